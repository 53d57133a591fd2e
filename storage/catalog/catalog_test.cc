#include "storage/catalog/catalog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"

namespace loupe::storage::catalog {
namespace {

TEST(CatalogTest, MigratesToNewestAndSettingsPersist) {
  testing::TempDir dir("cat");
  const auto path = dir.Sub("catalog.db");
  {
    auto c = Catalog::Open(path);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ((*c)->SchemaVersion(), Migrations().back().version);
    ASSERT_TRUE((*c)->PutSetting("instance_id", "abc").ok());
    ASSERT_TRUE((*c)->PutSetting("instance_id", "def").ok());
  }
  auto c = *Catalog::Open(path);
  auto v = c->GetSetting("instance_id");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or(""), "def");
  EXPECT_FALSE(c->GetSetting("missing")->has_value());
}

TEST(CatalogTest, AppliesOnlyNewMigrationsOnce) {
  testing::TempDir dir("cat");
  const auto path = dir.Sub("c.db");
  std::vector<Migration> v1 = {{1, "CREATE TABLE a(x INTEGER);"}};
  std::vector<Migration> v2 = {{1, "CREATE TABLE a(x INTEGER);"},
                               {2, "INSERT INTO a VALUES (42);"}};
  ASSERT_TRUE(Catalog::Open(path, v1).ok());
  { auto c = *Catalog::Open(path, v2); EXPECT_EQ(c->SchemaVersion(), 2); }
  auto c = *Catalog::Open(path, v2);  // migration 2 must not run again
  auto rows = c->Query("SELECT count(*) FROM a");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(std::get<int64_t>((*rows)[0][0]), 1);
}

TEST(CatalogTest, FailedMigrationRollsBack) {
  testing::TempDir dir("cat");
  const auto path = dir.Sub("c.db");
  std::vector<Migration> bad = {{1, "CREATE TABLE a(x INTEGER);"},
                                {2, "INSERT INTO a VALUES (1); INSERT INTO nope VALUES (2);"}};
  auto c = Catalog::Open(path, bad);
  ASSERT_FALSE(c.ok());
  auto good = *Catalog::Open(path, {{1, "CREATE TABLE a(x INTEGER);"}});
  EXPECT_EQ(good->SchemaVersion(), 1);
  EXPECT_EQ(std::get<int64_t>((*good->Query("SELECT count(*) FROM a"))[0][0]), 0);
}

TEST(CatalogTest, NewerSchemaIsRefused) {
  testing::TempDir dir("cat");
  const auto path = dir.Sub("c.db");
  ASSERT_TRUE(Catalog::Open(path, {{1, "CREATE TABLE a(x);"}, {2, "CREATE TABLE b(y);"}}).ok());
  auto old = Catalog::Open(path, {{1, "CREATE TABLE a(x);"}});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(old.status().message().find("newer"), std::string::npos);
}

TEST(CatalogTest, GarbageFileIsCorruption) {
  testing::TempDir dir("cat");
  const auto path = dir.Sub("c.db");
  std::ofstream(path) << std::string(8192, 'x');
  auto c = Catalog::Open(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCorruption) << c.status();
}

TEST(CatalogTest, TransactionRollsBackOnError) {
  testing::TempDir dir("cat");
  auto c = *Catalog::Open(dir.Sub("c.db"));
  auto s = c->Transaction([](Catalog& cat) {
    EXPECT_TRUE(cat.PutSetting("k", "v").ok());
    return Status::InvalidArgument("abort");
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(c->GetSetting("k")->has_value());
}

}  // namespace
}  // namespace loupe::storage::catalog

#include "storage/storage.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace loupe::storage {
namespace {

TEST(StorageTest, OpensLayoutAndLocksDirectory) {
  testing::TempDir dir("st");
  StorageOptions opts;
  opts.data_dir = dir.Sub("data");
  opts.column_families = {{"metrics"}};
  auto st = Storage::Open(opts);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("data/LOCK")));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("data/kv")));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("data/catalog.db")));

  auto second = Storage::Open(opts);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use by another loupe"), std::string::npos);

  auto sizes = (*st)->Sizes();
  EXPECT_GT(sizes.catalog_bytes, 0u);
  EXPECT_FALSE(sizes.families.empty());

  ASSERT_TRUE((*st)->Close().ok());
  auto third = Storage::Open(opts);
  EXPECT_TRUE(third.ok()) << third.status();
}

}  // namespace
}  // namespace loupe::storage

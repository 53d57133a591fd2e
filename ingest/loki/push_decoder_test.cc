#include "ingest/loki/push_decoder.h"

#include <gtest/gtest.h>

#include "logproto/push.pb.h"
#include "tests/testing/temp_dir.h"

namespace loupe::ingest::loki {
namespace {

using storage::logstore::LogStore;
using storage::model::LabelRef;

TEST(LabelSetTest, ParsesSelectorSyntax) {
  std::deque<std::string> arena;
  std::vector<LabelRef> out;
  ASSERT_TRUE(ParseLabelSet(R"({app="web", env = "prod",})", &arena, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "app");
  EXPECT_EQ(out[1].value, "prod");
  ASSERT_TRUE(ParseLabelSet(R"({msg="a \"quoted\" \u00e9 value\n"})", &arena, &out).ok());
  EXPECT_EQ(out[0].value, "a \"quoted\" \xc3\xa9 value\n");
  ASSERT_TRUE(ParseLabelSet("{}", &arena, &out).ok());
  EXPECT_TRUE(out.empty());
  for (const char* bad : {"app=\"x\"", "{app=x}", "{app=\"x\"", "{1a=\"x\"}", "{a=\"x\"} junk", "{a=\"\\q\"}"}) {
    auto s = ParseLabelSet(bad, &arena, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("error parsing labels"), std::string::npos) << s;
  }
}

class PushDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = *storage::kv::RocksStore::Open(dir_.Sub("kv"), {}, LogStore::ColumnFamilies());
    storage::logstore::LogStoreOptions o;
    o.maintenance_interval_ms = 0;
    o.retention_ns = 0;
    o.limits.reject_old_samples = false;
    store_ = *LogStore::Open(*kv_, dir_.Sub("wal"), o);
  }
  std::vector<std::pair<int64_t, std::string>> Read(const std::string& app) {
    storage::logstore::SelectRequest req;
    req.matchers.push_back(*storage::model::Matcher::Create(storage::model::MatchType::kEqual, "app", app));
    auto sel = store_->Select("anonymous", req);
    std::vector<std::pair<int64_t, std::string>> out;
    if (!sel.ok()) return out;
    for (auto& s : *sel) {
      while (s.entries->Next()) out.emplace_back(s.entries->ts(), std::string(s.entries->line()));
    }
    return out;
  }
  testing::TempDir dir_{"lokipush"};
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<LogStore> store_;
};

TEST_F(PushDecoderTest, JsonWithMetadata) {
  PushDecoder d;
  auto app = store_->NewAppender("anonymous");
  PushDecodeStats stats;
  const std::string body = R"({"streams":[{"stream":{"app":"web","level":"info"},
    "values":[["1700000000000000000","first line"],["1700000000000000001","second \"q\"",{"trace_id":"abc"}]]}]})";
  ASSERT_TRUE(d.DecodeJson(body, app.get(), &stats).ok());
  auto committed = app->Commit();
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->entries_accepted, 2u);
  EXPECT_EQ(stats.streams, 1u);
  auto got = Read("web");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].second, "second \"q\"");
}

TEST_F(PushDecoderTest, JsonErrorsAreLokiLike) {
  PushDecoder d;
  auto app = store_->NewAppender("anonymous");
  PushDecodeStats stats;
  auto s = d.DecodeJson(R"({"streams":[{"stream":{"app":"x"},"values":[[1700000000000000000,"numeric ts"]]}]})", app.get(), &stats);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("timestamp must be a string"), std::string::npos) << s;
  EXPECT_FALSE(d.DecodeJson("{not json", app.get(), &stats).ok());
  EXPECT_FALSE(d.DecodeJson(R"({"streams":[{"stream":{"app":1}}]})", app.get(), &stats).ok());
}

TEST_F(PushDecoderTest, Protobuf) {
  logproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels(R"({app="api", env="dev"})");
  for (int i = 0; i < 3; ++i) {
    auto* e = s->add_entries();
    e->mutable_timestamp()->set_seconds(1'700'000'000 + i);
    e->mutable_timestamp()->set_nanos(5);
    e->set_line("line " + std::to_string(i));
    auto* md = e->add_structuredmetadata();
    md->set_name("user");
    md->set_value("u" + std::to_string(i));
  }
  const std::string bytes = req.SerializeAsString();
  PushDecoder d;
  auto app = store_->NewAppender("anonymous");
  PushDecodeStats stats;
  ASSERT_TRUE(d.DecodeProto(bytes, app.get(), &stats).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto got = Read("api");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].first, 1'700'000'000'000'000'005);
  EXPECT_EQ(got[2].second, "line 2");

  logproto::PushRequest bad;
  bad.add_streams()->set_labels("{app=api}");
  const std::string bad_bytes = bad.SerializeAsString();
  auto st = d.DecodeProto(bad_bytes, app.get(), &stats);
  EXPECT_NE(st.message().find("error parsing labels '{app=api}'"), std::string::npos) << st;
  EXPECT_FALSE(d.DecodeProto(std::string("\x0a\xff\x01", 3), app.get(), &stats).ok());
}

}  // namespace
}  // namespace loupe::ingest::loki

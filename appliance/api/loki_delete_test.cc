// Delete request processing (Loki's compactor): cancel period, physical deletion through the log
// store with the same decisions as the query-time filter, status "processed", cancel refused.
#include "appliance/api/loki_delete.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <thread>

#include "query/logql/eval/logstore_source.h"
#include "storage/base/clock.h"
#include "storage/kv/rocks_store.h"
#include "storage/logstore/log_store.h"
#include "tests/testing/temp_dir.h"

namespace loupe::appliance::api {
namespace {

namespace ql = query::logql;
namespace ls = storage::logstore;
using storage::model::LabelRef;
using storage::model::Labels;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kMsNs = 1'000'000;
constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr int64_t kDayMs = 24LL * 3600 * 1000;

class LokiDeleteProcessingTest : public ::testing::Test {
 protected:
  LokiDeleteProcessingTest() : dir_("lokidel_proc"), clock_(kNowMs * kMsNs) {}

  void SetUp() override {
    auto kv = storage::kv::RocksStore::Open(dir_.Sub("db"), {}, ls::LogStore::ColumnFamilies());
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
    ls::LogStoreOptions o;
    o.clock = &clock_;
    o.maintenance_interval_ms = 0;
    auto s = ls::LogStore::Open(*kv_, dir_.Sub("wal"), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    requests_ = std::make_shared<DeleteRequests>(dir_.path() + "/deletes.json");
    ASSERT_TRUE(requests_->Load().ok());
    // Stream a: one entry per second over [kNow - 60s, kNow - 1s]; odd seconds say "secret",
    // every third has user=bob. Stream b: the same lines.
    // The first half is flushed to chunks, the second half stays in the head.
    for (int half = 0; half < 2; ++half) {
      for (const char* app : {"a", "b"}) {
        auto ap = store_->NewAppender("t");
        ap->AddStream(Labels{{"app", app}});
        for (int i = half * 30; i < half * 30 + 30; ++i) {
          lines_.push_back((i % 2 ? "secret " : "public ") + std::to_string(i));
          const std::vector<LabelRef> md = {{"user", i % 3 == 0 ? "bob" : "amy"}};
          ap->AddEntry((kNowMs - 60'000 + i * 1000) * kMsNs, lines_.back(), md.data(), md.size());
        }
        ASSERT_TRUE(ap->Commit().ok());
      }
      if (half == 0) {
        ASSERT_TRUE(store_->FlushIdle(true).ok());
      }
    }
  }

  // "app/line" of every entry `src` returns for tenant t, sorted.
  static std::vector<std::string> Lines(ql::LogSource& src) {
    ql::SelectParams p;
    auto streams = src.Select("t", p);
    EXPECT_TRUE(streams.ok()) << streams.status();
    std::vector<std::string> out;
    if (!streams.ok()) return out;
    for (auto& s : *streams) {
      std::string app;
      for (const auto& l : s.labels) {
        if (l.name == "app") app = l.value;
      }
      while (s.entries->Next()) out.push_back(app + "/" + std::string(s.entries->line()));
      EXPECT_TRUE(s.entries->status().ok());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  DeleteRequest Add(const std::string& query, int64_t start_ms, int64_t end_ms) {
    DeleteRequest d;
    d.tenant = "t";
    d.query = query;
    d.start_ms = start_ms;
    d.end_ms = end_ms;
    auto added = requests_->Add(d);
    EXPECT_TRUE(added.ok()) << added.status();
    return added.ok() ? *added : DeleteRequest{};
  }

  loupe::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<ls::LogStore> store_;
  std::shared_ptr<DeleteRequests> requests_;
  std::deque<std::string> lines_;
};

TEST_F(LokiDeleteProcessingTest, AppliedAfterTheCancelPeriodAndMarkedProcessed) {
  ql::LogStoreSource raw(store_.get());
  DeleteFilterSource filtered(&raw, requests_.get());
  const std::vector<std::string> all = Lines(raw);
  ASSERT_EQ(all.size(), 120u);

  // Line filter + metadata label filter, on stream a, over [kNow - 50s, kNow - 20s] (ms,
  // inclusive at both ends).
  const DeleteRequest r =
      Add(R"({app="a"} |= "secret" | user="bob")", kNowMs - 50'000, kNowMs - 20'000);
  const std::vector<std::string> hidden = Lines(filtered);
  ASSERT_LT(hidden.size(), all.size());
  EXPECT_EQ(std::count(hidden.begin(), hidden.end(), "a/secret 15"), 0);  // -45 s, bob
  EXPECT_EQ(std::count(hidden.begin(), hidden.end(), "a/secret 9"), 1);   // before the range
  EXPECT_EQ(std::count(hidden.begin(), hidden.end(), "b/secret 15"), 1);  // other stream

  DeleteRequestProcessor proc(requests_, *store_, DeleteProcessorOptions{});
  // Within the cancel period (24 h by default) nothing happens.
  auto n = proc.ProcessDue(r.created_ms + kDayMs - 1);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(Lines(raw), all);
  EXPECT_EQ(requests_->List("t")[0].status, kStatusReceived);

  n = proc.ProcessDue(r.created_ms + kDayMs);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1u);
  // Physically gone: the store itself returns exactly what the filter showed.
  EXPECT_EQ(Lines(raw), hidden);
  EXPECT_EQ(Lines(filtered), hidden);
  ASSERT_EQ(requests_->List("t").size(), 1u);
  EXPECT_EQ(requests_->List("t")[0].status, kStatusProcessed);
  // Processed requests are not applied at query time any more.
  EXPECT_TRUE(requests_->Applicable("t", {{"app", "a"}}, INT64_MIN, INT64_MAX).empty());
  // ... and cannot be cancelled (Loki's 400 and text).
  Status c = requests_->Cancel("t", r.request_id);
  EXPECT_EQ(c.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.message(),
            "deletion of request which is in process or already processed is not allowed");
  // Running again does nothing.
  n = proc.ProcessDue(r.created_ms + 2 * kDayMs);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  // The status is persisted.
  DeleteRequests again(dir_.path() + "/deletes.json");
  ASSERT_TRUE(again.Load().ok());
  ASSERT_EQ(again.List("t").size(), 1u);
  EXPECT_EQ(again.List("t")[0].status, kStatusProcessed);
}

TEST_F(LokiDeleteProcessingTest, ZeroCancelPeriodAndSelectorOnly) {
  ql::LogStoreSource raw(store_.get());
  DeleteProcessorOptions o;
  o.cancel_period_ms = 0;
  DeleteRequestProcessor proc(requests_, *store_, o);
  // Whole stream b in [kNow - 60s, kNow - 31s]: 30 entries, both edges included.
  const DeleteRequest r = Add(R"({app="b"})", kNowMs - 60'000, kNowMs - 31'000);
  auto n = proc.ProcessDue(r.created_ms);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1u);
  const std::vector<std::string> left = Lines(raw);
  EXPECT_EQ(left.size(), 90u);
  EXPECT_EQ(std::count(left.begin(), left.end(), "b/public 0"), 0);
  EXPECT_EQ(std::count(left.begin(), left.end(), "b/secret 29"), 0);
  EXPECT_EQ(std::count(left.begin(), left.end(), "b/public 30"), 1);
  auto stats = store_->Stats(
      "t", {*storage::model::Matcher::Create(storage::model::MatchType::kEqual, "app", "b")},
      INT64_MIN, INT64_MAX);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 30u);
}

TEST_F(LokiDeleteProcessingTest, RequestsBeingProcessedCannotBeCancelled) {
  const DeleteRequest r = Add(R"({app="a"})", kNowMs - 60'000, kNowMs);
  auto due = requests_->TakeDue(r.created_ms, 0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(requests_->TakeDue(r.created_ms, 0).empty());  // not handed out twice
  EXPECT_EQ(requests_->Cancel("t", r.request_id).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(requests_->Finish(*due[0], /*processed=*/false).ok());
  EXPECT_EQ(requests_->List("t")[0].status, kStatusReceived);
  EXPECT_TRUE(requests_->Cancel("t", r.request_id).ok());
  EXPECT_TRUE(requests_->List("t").empty());
}

TEST_F(LokiDeleteProcessingTest, BackgroundThreadProcessesDueRequests) {
  DeleteProcessorOptions o;
  o.cancel_period_ms = 0;
  o.interval_ms = 10;
  DeleteRequestProcessor proc(requests_, *store_, o);
  Add(R"({app="a"} |= "secret")", kNowMs - 60'000, kNowMs);
  proc.Start();
  for (int i = 0; i < 500 && requests_->List("t")[0].status != kStatusProcessed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  proc.Stop();
  EXPECT_EQ(requests_->List("t")[0].status, kStatusProcessed);
  ql::LogStoreSource raw(store_.get());
  EXPECT_EQ(Lines(raw).size(), 90u);
}

}  // namespace
}  // namespace loupe::appliance::api

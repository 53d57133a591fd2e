#include "ingest/otlp/traces_ingest.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "storage/kv/rocks_store.h"
#include "tests/testing/temp_dir.h"

namespace loupe::ingest::otlp {
namespace {

using storage::spanstore::SpanStore;
using storage::spanstore::SpanStoreOptions;
using storage::spanstore::TraceId;

class TracesIngestTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(SpanStoreOptions{}); }
  void Open(SpanStoreOptions o) {
    store_.reset();
    kv_.reset();
    o.maintenance_interval_ms = 0;
    auto kv = storage::kv::RocksStore::Open(dir_.Sub("kv"), {}, SpanStore::ColumnFamilies());
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
    auto s = SpanStore::Open(*kv_, dir_.Sub("wal"), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  // One resource with `spans` spans of trace `trace` (byte 15 of the id), span ids 1..n.
  static TracesIngester::Request Request(int trace, int spans, const std::string& service = "svc") {
    TracesIngester::Request req;
    auto* rs = req.add_resource_spans();
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value(service);
    auto* ss = rs->add_scope_spans();
    for (int i = 1; i <= spans; ++i) {
      auto* s = ss->add_spans();
      std::string tid(16, '\0');
      tid[15] = static_cast<char>(trace);
      tid[0] = 1;
      std::string sid(8, '\0');
      sid[7] = static_cast<char>(i);
      s->set_trace_id(tid);
      s->set_span_id(sid);
      s->set_name("op");
      s->set_start_time_unix_nano(1'700'000'000'000'000'000ULL + i);
      s->set_end_time_unix_nano(1'700'000'000'000'000'000ULL + i + 1000);
    }
    return req;
  }
  static TraceId Id(int trace) {
    std::string tid(16, '\0');
    tid[15] = static_cast<char>(trace);
    tid[0] = 1;
    return TraceId::FromBytes(tid);
  }
  uint64_t StoredSpans(int trace) {
    auto r = store_->FindTraceByID("t", Id(trace));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->span_count : 0;
  }

  testing::TempDir dir_{"traces_ingest"};
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<SpanStore> store_;
};

TEST_F(TracesIngestTest, StoresEverySpanAndCountsThem) {
  TracesIngester ing(*store_, {});
  auto r = ing.Ingest("t", Request(1, 5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->spans_received, 5u);
  EXPECT_EQ(r->spans_accepted, 5u);
  EXPECT_EQ(r->spans_rejected, 0u);
  EXPECT_EQ(r->error_message, "");
  EXPECT_EQ(StoredSpans(1), 5u);
  const auto st = ing.Stats();
  EXPECT_EQ(st.requests, 1u);
  EXPECT_EQ(st.spans_received, 5u);
  EXPECT_EQ(st.spans_accepted, 5u);
}

TEST_F(TracesIngestTest, EmptyRequestSucceeds) {
  TracesIngester ing(*store_, {});
  auto r = ing.Ingest("t", TracesIngester::Request{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->spans_received, 0u);
}

TEST_F(TracesIngestTest, InvalidIdRefusesTheWholeRequestWithTemposText) {
  TracesIngester ing(*store_, {});
  auto req = Request(2, 3);
  req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_trace_id(
      std::string(8, 'x'));
  auto r = ing.Ingest("t", req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "trace ids must be 128 bit, received 64 bits");
  EXPECT_EQ(StoredSpans(2), 0u) << "nothing of a refused request is stored";
  const auto st = ing.Stats();
  EXPECT_EQ(st.spans_refused, 3u);
  EXPECT_EQ(st.refused_requests[static_cast<int>(TracesRefusal::kInvalidId)], 1u);

  req = Request(2, 2);
  req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_span_id(
      std::string(8, '\0'));
  r = ing.Ingest("t", req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "span ids must be 64 bit and not all zero, received 64 bits");
}

TEST_F(TracesIngestTest, TraceTooLargeIsAPartialSuccess) {
  SpanStoreOptions o;
  o.max_bytes_per_trace = 300;
  Open(o);
  TracesIngester ing(*store_, {});
  auto req = Request(3, 2);
  const auto big = Request(4, 40);
  *req.add_resource_spans() = big.resource_spans(0);
  auto r = ing.Ingest("t", req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->spans_received, 42u);
  EXPECT_EQ(r->spans_accepted, 2u);
  EXPECT_EQ(r->spans_rejected, 40u);
  EXPECT_EQ(
      r->error_message.rfind("TRACE_TOO_LARGE: max size of trace (300) exceeded while adding ", 0),
      0u)
      << r->error_message;
  EXPECT_NE(r->error_message.find(" for tenant t"), std::string::npos) << r->error_message;
  EXPECT_EQ(StoredSpans(3), 2u);
  EXPECT_EQ(StoredSpans(4), 0u);
}

TEST_F(TracesIngestTest, RateLimitRefusesWithTemposText) {
  ManualClock clock;
  TracesIngestOptions o;
  o.rate_limit_bytes = 1000;
  o.burst_bytes = 1500;
  o.clock = &clock;
  TracesIngester ing(*store_, o);
  ASSERT_TRUE(ing.Ingest("t", Request(5, 1), 1000).ok());
  auto r = ing.Ingest("t", Request(6, 1), 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(
      r.status().message(),
      "RATE_LIMITED: ingestion rate limit (local: 1000 bytes/s, global: 0 bytes/s, burst: 1500 "
      "bytes) exceeded while adding 1000 bytes for user t. consider increasing the limit or "
      "reducing ingestion rate.");
  EXPECT_TRUE(ing.Ingest("other", Request(7, 1), 1000).ok()) << "buckets are per tenant";
  clock.Advance(600'000'000);
  EXPECT_TRUE(ing.Ingest("t", Request(6, 1), 1000).ok()) << "the bucket refills";
  r = ing.Ingest("t", Request(8, 1), 2000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("batch size (2000 bytes) exceeds ingestion limit"),
            std::string::npos);
  EXPECT_EQ(StoredSpans(8), 0u);
  EXPECT_EQ(ing.Stats().refused_requests[static_cast<int>(TracesRefusal::kRateLimited)], 2u);
}

TEST_F(TracesIngestTest, InflightBudgetRefusesWhileAnotherRequestIsBeingWritten) {
  std::promise<void> entered, release;
  auto release_f = release.get_future().share();
  std::atomic<int> calls{0};
  TracesIngestOptions o;
  o.max_inflight_bytes = 1500;
  TracesIngester ing(*store_, o, [&](std::string_view tenant, const TracesIngester::Request&) {
    if (calls++ == 0) {
      entered.set_value();
      release_f.wait();
    }
  });
  std::thread first([&] { EXPECT_TRUE(ing.Ingest("t", Request(9, 1), 1000).ok()); });
  entered.get_future().wait();
  auto r = ing.Ingest("t", Request(10, 1), 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(ing.Ingest("t", Request(12, 1)).ok())
      << "gRPC requests (no wire size) are not budgeted";
  release.set_value();
  first.join();
  EXPECT_TRUE(ing.Ingest("t", Request(10, 1), 1000).ok()) << "the budget is returned";
  EXPECT_EQ(ing.Stats().refused_requests[static_cast<int>(TracesRefusal::kOverloaded)], 1u);
}

TEST_F(TracesIngestTest, ConsumerSeesAcceptedRequestsOnly) {
  std::vector<std::string> seen;
  std::mutex mu;
  TracesIngester ing(*store_, {}, [&](std::string_view tenant, const TracesIngester::Request& r) {
    std::lock_guard lock(mu);
    seen.push_back(std::string(tenant) + ":" + std::to_string(CountSpans(r)));
  });
  ASSERT_TRUE(ing.Ingest("a", Request(11, 3)).ok());
  auto bad = Request(12, 1);
  bad.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->clear_trace_id();
  EXPECT_FALSE(ing.Ingest("a", bad).ok());
  EXPECT_EQ(seen, std::vector<std::string>{"a:3"});
}

}  // namespace
}  // namespace loupe::ingest::otlp

// Test fixture for the span store: a RocksDB and a WAL in a temp dir, a manual clock, no
// background thread, retention off unless a test turns it on.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/spanstore/span_gen_test_util.h"
#include "storage/spanstore/span_store.h"
#include "tests/testing/temp_dir.h"

namespace loupe::storage::spanstore {

class SpanStoreFixture : public ::testing::Test {
 protected:
  static constexpr int64_t kNow = 1'700'000'100'000'000'000;

  static SpanStoreOptions Defaults() {
    SpanStoreOptions o;
    o.retention_ns = 0;
    o.retention_bytes = 0;
    o.maintenance_interval_ms = 0;  // tests drive cuts and retention
    o.max_live_traces = 0;
    o.max_block_duration_ns = INT64_MAX / 2;
    return o;
  }
  void SetUp() override { OpenAll(Defaults()); }
  void TearDown() override { CloseAll(); }

  void OpenAll(SpanStoreOptions o) {
    o.clock = &clock_;
    options_ = o;
    auto kv = kv::RocksStore::Open(dir_.Sub("kv"), {}, SpanStore::ColumnFamilies());
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
    auto s = SpanStore::Open(*kv_, dir_.Sub("wal"), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  // No flush, no cut: what a kill -9 leaves (the WAL is in the page cache).
  void CloseAll() {
    store_.reset();
    kv_.reset();
  }
  void Reopen() { Reopen(options_); }
  void Reopen(SpanStoreOptions o) {
    CloseAll();
    OpenAll(o);
  }

  AppendStats Append(const std::vector<otlp::trace::v1::ResourceSpans>& batches, const std::string& tenant = "t1") {
    auto app = store_->NewAppender(tenant);
    for (const auto& rs : batches) {
      if (rs.has_resource()) app->Add(rs);
    }
    auto r = app->Commit();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AppendStats{};
  }

  // Generates `n` traces, appends them in exporter batches, returns their ids.
  std::vector<TraceId> AddTraces(int n, const std::string& tenant = "t1", int batch_spans = 256) {
    std::vector<otlp::trace::v1::ResourceSpans> by_service;
    std::vector<TraceId> ids;
    for (int i = 0; i < n; ++i) ids.push_back(TraceId::FromBytes(gen_.AddTrace(&by_service)));
    std::vector<otlp::trace::v1::ResourceSpans> batches;
    for (auto& rs : by_service) {
      if (!rs.has_resource()) continue;
      const auto& spans = rs.scope_spans(0).spans();
      for (int b = 0; b < spans.size(); b += batch_spans) {
        otlp::trace::v1::ResourceSpans part;
        *part.mutable_resource() = rs.resource();
        auto* ss = part.add_scope_spans();
        *ss->mutable_scope() = rs.scope_spans(0).scope();
        for (int k = b; k < std::min(spans.size(), b + batch_spans); ++k) *ss->add_spans() = spans[k];
        batches.push_back(std::move(part));
      }
    }
    const AppendStats st = Append(batches, tenant);
    EXPECT_EQ(st.rejected(), 0u) << st.first_error;
    return ids;
  }

  size_t CountSpans(const TraceResult& r) {
    size_t n = 0;
    for (const auto& rs : r.resource_spans) {
      for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
    }
    return n;
  }

  loupe::testing::TempDir dir_{"spanstore"};
  ManualClock clock_{kNow};
  SpanStoreOptions options_;
  testing::SpanGenerator gen_{42, kNow - 60'000'000'000};
  std::unique_ptr<kv::RocksStore> kv_;
  std::unique_ptr<SpanStore> store_;
};

}  // namespace loupe::storage::spanstore

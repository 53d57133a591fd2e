// The engine over the real metric store: samples written through MetricStore::Appender are
// queried through MetricStoreSource, per tenant.
#include "query/promql/eval/metric_store_source.h"

#include <gtest/gtest.h>

#include "query/promql/eval/engine.h"
#include "storage/base/clock.h"
#include "storage/kv/rocks_store.h"
#include "tests/testing/temp_dir.h"

namespace loupe::query::promql {
namespace {

using storage::model::Labels;

TEST(MetricStoreSourceTest, QueriesWhatWasAppended) {
  testing::TempDir dir("promql_store");
  ManualClock clock(int64_t{1'700'000'000'000} * 1'000'000);
  storage::tsdb::MetricStoreOptions o;
  o.retention_ms = 0;
  o.retention_bytes = 0;
  o.maintenance_interval_ms = 0;
  o.clock = &clock;
  auto kv = storage::kv::RocksStore::Open(dir.Sub("kv"), {},
                                          storage::tsdb::MetricStore::ColumnFamilies());
  ASSERT_TRUE(kv.ok()) << kv.status();
  auto store = storage::tsdb::MetricStore::Open(**kv, dir.Sub("wal"), o);
  ASSERT_TRUE(store.ok()) << store.status();

  for (int i = 0; i < 3; ++i) {
    auto app = (*store)->NewAppender("tenant-a");
    app->AddSeries(Labels{{"__name__", "req_total"}, {"i", std::to_string(i)}});
    for (int64_t t = 0; t <= 600000; t += 15000) app->AddSample(t, (i + 1) * (t / 1000.0));
    ASSERT_TRUE(app->Commit().ok());
  }
  {
    auto app = (*store)->NewAppender("tenant-b");
    app->AddSeries(Labels{{"__name__", "req_total"}, {"i", "9"}});
    app->AddSample(0, 1);
    ASSERT_TRUE(app->Commit().ok());
  }

  Engine engine;
  MetricStoreSource a(**store, "tenant-a");
  auto r = engine.InstantQuery(a, "sum(rate(req_total[5m]))", 600000);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->vector.size(), 1u);
  EXPECT_DOUBLE_EQ(r->vector[0].v, 6);  // 1 + 2 + 3 per second

  auto range = engine.RangeQuery(a, "req_total{i=\"1\"}", 0, 600000, 300000);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->matrix.size(), 1u);
  EXPECT_EQ(range->matrix[0].points, (std::vector<Point>{{0, 0}, {300000, 600}, {600000, 1200}}));

  MetricStoreSource b(**store, "tenant-b");
  auto rb = engine.InstantQuery(b, "count(req_total)", 0);
  ASSERT_TRUE(rb.ok());
  ASSERT_EQ(rb->vector.size(), 1u);
  EXPECT_EQ(rb->vector[0].v, 1);

  MetricStoreSource none(**store, "nobody");
  EXPECT_TRUE(engine.InstantQuery(none, "req_total", 0)->vector.empty());
  EXPECT_TRUE((*store)->Close().ok());
}

}  // namespace
}  // namespace loupe::query::promql

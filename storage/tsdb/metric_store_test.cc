#include "storage/tsdb/metric_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace loupe::storage::tsdb {
namespace {

using model::Labels;

class MetricStoreTest : public ::testing::Test {
 protected:
  // Retention is off unless a test asks for it: most tests use small timestamps near 1970.
  static MetricStoreOptions NoRetention() {
    MetricStoreOptions o;
    o.retention_ms = 0;
    o.retention_bytes = 0;
    return o;
  }
  void SetUp() override { OpenAll(NoRetention()); }
  void TearDown() override { CloseAll(); }

  void OpenAll(MetricStoreOptions o = NoRetention()) {
    o.clock = &clock_;
    o.maintenance_interval_ms = 0;  // tests drive maintenance explicitly
    options_ = o;
    auto kv = kv::RocksStore::Open(dir_.Sub("kv"), {}, MetricStore::ColumnFamilies());
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
    auto s = MetricStore::Open(*kv_, dir_.Sub("wal"), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  // Drops everything without a clean shutdown path beyond what destructors do (no checkpoint,
  // no flush): reopening must recover from the WAL.
  void CloseAll() {
    store_.reset();
    kv_.reset();
  }
  void Reopen(MetricStoreOptions o = NoRetention()) {
    CloseAll();
    OpenAll(o);
  }

  AppendStats Append(const Labels& l, std::vector<model::Sample> samples, std::string tenant = "anonymous") {
    auto app = store_->NewAppender(tenant);
    app->AddSeries(l);
    for (auto s : samples) app->AddSample(s.t, s.v);
    auto r = app->Commit();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AppendStats{};
  }

  std::vector<model::Sample> Read(const std::string& name, int64_t mint = INT64_MIN, int64_t maxt = INT64_MAX,
                                  std::string tenant = "anonymous") {
    auto sel = store_->Select(tenant, {*model::Matcher::Create(model::MatchType::kEqual, "__name__", name)}, mint,
                              maxt, true);
    EXPECT_TRUE(sel.ok());
    std::vector<model::Sample> out;
    if (!sel.ok() || sel->empty()) return out;
    EXPECT_EQ(sel->size(), 1u);
    DecodeChunks((*sel)[0].chunks, mint, maxt, &out);
    return out;
  }

  testing::TempDir dir_{"tsdb"};
  ManualClock clock_{int64_t{1'700'000'000'000} * 1'000'000};
  MetricStoreOptions options_;
  std::unique_ptr<kv::RocksStore> kv_;
  std::unique_ptr<MetricStore> store_;
};

std::vector<model::Sample> Ramp(int64_t t0, int n, int64_t step = 15'000) {
  std::vector<model::Sample> out;
  for (int i = 0; i < n; ++i) out.push_back({t0 + i * step, static_cast<double>(i)});
  return out;
}

TEST_F(MetricStoreTest, AppendSelectAcrossPersistedAndHeadChunks) {
  const auto samples = Ramp(1'000'000, 500);  // several cut chunks plus an open head chunk
  auto st = Append(Labels{{"__name__", "up"}, {"job", "a"}}, samples);
  EXPECT_EQ(st.samples_appended, 500u);
  EXPECT_EQ(st.series_created, 1u);
  EXPECT_EQ(Read("up"), samples);
  // Range restriction is inclusive at both ends.
  const auto part = Read("up", samples[100].t, samples[200].t);
  ASSERT_EQ(part.size(), 101u);
  EXPECT_EQ(part.front(), samples[100]);
  EXPECT_EQ(store_->Stats().chunks_persisted, 4u);
}

TEST_F(MetricStoreTest, RejectionsAreReportedWithPrometheusText) {
  Append(Labels{{"__name__", "x"}}, {{2000, 1}});
  auto st = Append(Labels{{"__name__", "x"}}, {{1000, 1}, {2000, 5}, {3000, 1}});
  EXPECT_EQ(st.samples_appended, 1u) << "the good sample of a partly bad batch is kept";
  EXPECT_EQ(st.rejected(), 2u);
  EXPECT_EQ(st.first_error.rfind("out of order sample: series x{}, timestamp 1000", 0), 0u) << st.first_error;
  EXPECT_EQ(Read("x").size(), 2u);
}

TEST_F(MetricStoreTest, RecoversEveryAcknowledgedSampleFromTheWal) {
  const auto a = Ramp(1'000'000, 300);
  Append(Labels{{"__name__", "a"}, {"i", "1"}}, a);
  Append(Labels{{"__name__", "b"}}, Ramp(1'000'000, 7), "tenant-2");
  Reopen();
  EXPECT_EQ(Read("a"), a);
  EXPECT_EQ(Read("b", INT64_MIN, INT64_MAX, "tenant-2").size(), 7u);
  EXPECT_TRUE(Read("b").empty()) << "tenants are isolated";
  // Appending continues where the head left off: the last sample's resend is ignored.
  auto st = Append(Labels{{"__name__", "a"}, {"i", "1"}}, {a.back(), {a.back().t - 1, 0}});
  EXPECT_EQ(st.samples_resent, 1u);
  EXPECT_EQ(st.samples_rejected[static_cast<int>(Reject::kOutOfOrder)], 1u);
  EXPECT_GT(store_->Stats().wal_replayed_records, 0u);
}

TEST_F(MetricStoreTest, CheckpointTruncatesWalAndRestartStillHasEverything) {
  const auto a = Ramp(1'000'000, 130);
  Append(Labels{{"__name__", "a"}}, a);
  const auto before = store_->Stats().wal_bytes;
  ASSERT_TRUE(store_->Checkpoint().ok());
  EXPECT_LT(store_->Stats().wal_bytes, before);
  const auto more = Ramp(a.back().t + 15'000, 10);
  Append(Labels{{"__name__", "a"}}, more);
  Reopen();
  auto all = a;
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_EQ(Read("a"), all);
  // And once more after a second restart with nothing new (replay is idempotent).
  Reopen();
  EXPECT_EQ(Read("a"), all);
}

TEST_F(MetricStoreTest, TornWalTailIsTruncatedAndCounted) {
  Append(Labels{{"__name__", "a"}}, Ramp(1'000'000, 10));
  Append(Labels{{"__name__", "a"}}, Ramp(1'000'000 + 10 * 15'000, 10));
  CloseAll();
  std::string last;
  for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("wal"))) last = std::max(last, e.path().string());
  std::filesystem::resize_file(last, std::filesystem::file_size(last) - 3);
  OpenAll();
  EXPECT_EQ(store_->Stats().wal_corruptions, 1u);
  EXPECT_EQ(Read("a").size(), 10u) << "the first, intact batch survives";
}

TEST_F(MetricStoreTest, CorruptPersistedChunkIsSkippedNotFatal) {
  Append(Labels{{"__name__", "a"}}, Ramp(1'000'000, 250));
  ASSERT_TRUE(kv_->Flush().ok());
  // Corrupt one persisted chunk value in place through the store's own column family.
  auto cf = *kv_->Family(kChunksFamily);
  auto it = kv_->NewIterator(cf);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  std::string key(it->key());
  std::string value(it->value());
  it.reset();
  value.resize(value.size() / 2);  // truncated chunk
  ASSERT_TRUE(kv_->Put(cf, key, value).ok());
  const auto got = Read("a");
  EXPECT_LT(got.size(), 250u);
  EXPECT_GE(got.size(), 130u) << "other chunks still read";
}

TEST_F(MetricStoreTest, RetentionDropsOldBlocksAndSeries) {
  Reopen(MetricStoreOptions{});  // default retention: 7 days
  const int64_t now_ms = clock_.NowMillis();
  const int64_t day = 86'400'000;
  Append(Labels{{"__name__", "old"}}, Ramp(now_ms - 9 * day, 200, 60'000));
  Append(Labels{{"__name__", "new"}}, Ramp(now_ms - 3'600'000, 200, 10'000));
  ASSERT_TRUE(store_->ApplyRetention().ok());
  EXPECT_TRUE(Read("old").empty());
  EXPECT_EQ(Read("new").size(), 200u);
  auto names = store_->LabelValues("anonymous", "__name__", {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"new"}));
  Reopen(MetricStoreOptions{});
  EXPECT_TRUE(Read("old").empty()) << "removed series stay removed after restart";
}

TEST_F(MetricStoreTest, RetentionCountsFromTheNewestSampleNotTheWallClock) {
  Reopen(MetricStoreOptions{});  // default retention: 7 days
  // Fixture data from 2023, two weeks apart: only the part older than 7 days before the newest
  // sample goes, however far the wall clock is.
  const int64_t t0 = 1'700'000'000'000, day = 86'400'000;
  Append(Labels{{"__name__", "fixture_old"}}, Ramp(t0, 100, 60'000));
  Append(Labels{{"__name__", "fixture_new"}}, Ramp(t0 + 14 * day, 100, 60'000));
  ASSERT_TRUE(store_->ApplyRetention().ok());
  EXPECT_TRUE(Read("fixture_old").empty());
  EXPECT_EQ(Read("fixture_new").size(), 100u);
}

TEST_F(MetricStoreTest, SeriesLabelsAndMetadataApis) {
  Append(Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}}, {{1000, 1}});
  Append(Labels{{"__name__", "http_requests_total"}, {"code", "500"}, {"job", "api"}}, {{1000, 1}});
  Append(Labels{{"__name__", "up"}, {"job", "web"}}, {{5000, 1}});
  auto app = store_->NewAppender("anonymous");
  app->AddMetadata({"http_requests_total", model::MetricType::kCounter, "Requests.", ""});
  ASSERT_TRUE(app->Commit().ok());

  using model::MatchType;
  std::vector<std::vector<model::Matcher>> sel = {{*model::Matcher::Create(MatchType::kEqual, "job", "api")}};
  auto series = store_->Series("anonymous", sel, INT64_MIN, INT64_MAX, 0);
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(series->size(), 2u);
  auto names = store_->LabelNames("anonymous", {}, INT64_MIN, INT64_MAX);
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "code", "job"}));
  auto jobs = store_->LabelValues("anonymous", "job", {}, 2000, 10000);
  EXPECT_EQ(*jobs, (std::vector<std::string>{"web"})) << "time range filters series";
  Reopen();
  auto md = store_->Metadata("anonymous");
  ASSERT_EQ(md.count("http_requests_total"), 1u);
  EXPECT_EQ(md["http_requests_total"].type, model::MetricType::kCounter);
  EXPECT_EQ(md["http_requests_total"].help, "Requests.");
}

TEST_F(MetricStoreTest, ExemplarsAreKeptAndReplayed) {
  auto app = store_->NewAppender("anonymous");
  app->AddSeries(Labels{{"__name__", "lat_bucket"}, {"le", "0.5"}});
  app->AddSample(1000, 3);
  app->AddExemplar({Labels{{"trace_id", "abc"}}, 0.42, 1000, true});
  ASSERT_TRUE(app->Commit().ok());
  Reopen();
  auto ex = store_->Exemplars("anonymous", {*model::Matcher::Create(model::MatchType::kEqual, "__name__", "lat_bucket")},
                              0, 2000);
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->size(), 1u);
  ASSERT_EQ((*ex)[0].exemplars.size(), 1u);
  EXPECT_EQ((*ex)[0].exemplars[0].labels.Get("trace_id"), "abc");
  EXPECT_DOUBLE_EQ((*ex)[0].exemplars[0].value, 0.42);
}

TEST_F(MetricStoreTest, OutOfOrderSamplesMergeInQueries) {
  MetricStoreOptions o = NoRetention();
  o.head.ooo_window_ms = 600'000;
  o.head.ooo_chunk_samples = 2;
  Reopen(o);
  Append(Labels{{"__name__", "o"}}, {{100'000, 1}, {200'000, 2}});
  auto st = Append(Labels{{"__name__", "o"}}, {{150'000, 9}, {120'000, 8}, {170'000, 7}});
  EXPECT_EQ(st.samples_ooo, 3u);
  auto got = Read("o");
  std::vector<model::Sample> want = {{100'000, 1}, {120'000, 8}, {150'000, 9}, {170'000, 7}, {200'000, 2}};
  EXPECT_EQ(got, want);
  Reopen(o);
  EXPECT_EQ(Read("o"), want);
}

}  // namespace
}  // namespace loupe::storage::tsdb

namespace loupe::storage::tsdb {
namespace {

TEST_F(MetricStoreTest, CorruptSeriesRecordIsSkippedAndCounted) {
  Append(Labels{{"__name__", "a"}}, {{1000, 1}});
  Append(Labels{{"__name__", "b"}}, {{1000, 2}});
  ASSERT_TRUE(store_->Checkpoint().ok());  // series records now live in metric_series
  CloseAll();
  {
    auto kv = *kv::RocksStore::Open(dir_.Sub("kv"), {}, MetricStore::ColumnFamilies());
    auto cf = *kv->Family(kSeriesFamily);
    auto it = kv->NewIterator(cf);
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    const std::string key(it->key());
    it.reset();
    ASSERT_TRUE(kv->Put(cf, key, "\x05garbage").ok());
  }
  OpenAll();
  EXPECT_EQ(store_->Stats().corrupt_series, 1u);
  // The other series is intact; the damaged one is gone (its WAL was truncated by the checkpoint).
  EXPECT_EQ(Read("a").size() + Read("b").size(), 1u);
}

}  // namespace
}  // namespace loupe::storage::tsdb

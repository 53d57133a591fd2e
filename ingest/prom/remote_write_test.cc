#include "ingest/prom/remote_write.h"

#include <gtest/gtest.h>

#include <cmath>

#include "io/prometheus/write/v2/types.pb.h"
#include "prompb/remote.pb.h"
#include "tests/testing/temp_dir.h"

namespace loupe::ingest::prom {
namespace {

using storage::tsdb::MetricStore;

class RemoteWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = *storage::kv::RocksStore::Open(dir_.Sub("kv"), {}, MetricStore::ColumnFamilies());
    storage::tsdb::MetricStoreOptions o;
    o.maintenance_interval_ms = 0;
    o.retention_ms = 0;
    o.retention_bytes = 0;
    store_ = *MetricStore::Open(*kv_, dir_.Sub("wal"), o);
  }

  Result<RemoteWriteResult> Write(const prometheus::WriteRequest& req) {
    const std::string bytes = req.SerializeAsString();
    RemoteWriteResult res;
    auto app = store_->NewAppender("anonymous");
    LOUPE_RETURN_IF_ERROR(DecodeWriteRequest(bytes, {}, app.get(), &res));
    LOUPE_ASSIGN_OR_RETURN(res.append, app->Commit());
    return res;
  }

  std::vector<storage::model::Sample> Read(const std::string& name) {
    auto sel = store_->Select("anonymous", {*storage::model::Matcher::Create(storage::model::MatchType::kEqual, "__name__", name)},
                              INT64_MIN, INT64_MAX, true);
    std::vector<storage::model::Sample> out;
    if (sel.ok() && !sel->empty()) storage::tsdb::DecodeChunks((*sel)[0].chunks, INT64_MIN, INT64_MAX, &out);
    return out;
  }

  testing::TempDir dir_{"rw"};
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<MetricStore> store_;
};

prometheus::TimeSeries* AddSeries(prometheus::WriteRequest* req, std::vector<std::pair<std::string, std::string>> labels) {
  auto* ts = req->add_timeseries();
  for (auto& [n, v] : labels) {
    auto* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  return ts;
}

TEST_F(RemoteWriteTest, SamplesExemplarsMetadataAndUnsortedLabels) {
  prometheus::WriteRequest req;
  auto* ts = AddSeries(&req, {{"job", "api"}, {"__name__", "http_requests_total"}, {"empty", ""}});
  for (int i = 0; i < 3; ++i) {
    auto* s = ts->add_samples();
    s->set_timestamp(1000 * (i + 1));
    s->set_value(i * 10.5);
  }
  auto* e = ts->add_exemplars();
  e->set_value(10.5);
  e->set_timestamp(2000);
  auto* el = e->add_labels();
  el->set_name("trace_id");
  el->set_value("4bf92f3577b34da6a3ce929d0e0e4736");
  auto* md = req.add_metadata();
  md->set_type(prometheus::MetricMetadata::COUNTER);
  md->set_metric_family_name("http_requests_total");
  md->set_help("Total requests.");
  auto res = Write(req);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->series, 1u);
  EXPECT_EQ(res->samples, 3u);
  EXPECT_EQ(res->append.samples_appended, 3u);
  EXPECT_EQ(res->append.exemplars_appended, 1u);
  auto got = Read("http_requests_total");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].t, 3000);
  EXPECT_DOUBLE_EQ(got[2].v, 21);
  auto series = store_->Series("anonymous", {}, INT64_MIN, INT64_MAX, 0);
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].ToString(), "http_requests_total{job=\"api\"}") << "sorted, empty label dropped";
  EXPECT_EQ(store_->Metadata("anonymous")["http_requests_total"].help, "Total requests.");
}

TEST_F(RemoteWriteTest, SpecialValuesRoundTrip) {
  prometheus::WriteRequest req;
  auto* ts = AddSeries(&req, {{"__name__", "x"}});
  const double values[] = {std::nan(""), INFINITY, -INFINITY, -0.0, storage::model::StaleNaN()};
  for (int i = 0; i < 5; ++i) {
    auto* s = ts->add_samples();
    s->set_timestamp(i);
    s->set_value(values[i]);
  }
  ASSERT_TRUE(Write(req).ok());
  auto got = Read("x");
  ASSERT_EQ(got.size(), 5u);
  EXPECT_TRUE(std::isnan(got[0].v));
  EXPECT_EQ(got[1].v, INFINITY);
  EXPECT_TRUE(std::signbit(got[3].v));
  EXPECT_TRUE(storage::model::IsStaleNaN(got[4].v));
}

TEST_F(RemoteWriteTest, InvalidSeriesAreRejectedWithClearErrors) {
  {
    prometheus::WriteRequest req;
    AddSeries(&req, {{"job", "x"}})->add_samples()->set_timestamp(1);
    auto r = Write(req);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("invalid metric name"), std::string::npos) << r.status();
  }
  {
    prometheus::WriteRequest req;
    AddSeries(&req, {{"__name__", "x"}, {"a", "1"}, {"a", "2"}})->add_samples()->set_timestamp(1);
    auto r = Write(req);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("duplicate label name \"a\""), std::string::npos) << r.status();
  }
  {
    prometheus::WriteRequest req;
    AddSeries(&req, {{"__name__", "x"}, {"a", std::string("\xff\xfe", 2)}})->add_samples()->set_timestamp(1);
    EXPECT_FALSE(Write(req).ok());
  }
}

TEST_F(RemoteWriteTest, OutOfOrderSamplesAreReportedButOthersKept) {
  prometheus::WriteRequest first;
  auto* s = AddSeries(&first, {{"__name__", "x"}})->add_samples();
  s->set_timestamp(5000);
  s->set_value(1);
  ASSERT_TRUE(Write(first).ok());
  prometheus::WriteRequest second;
  auto* ts = AddSeries(&second, {{"__name__", "x"}});
  ts->add_samples()->set_timestamp(4000);
  ts->add_samples()->set_timestamp(6000);
  auto* other = AddSeries(&second, {{"__name__", "y"}});
  other->add_samples()->set_timestamp(6000);
  auto r = Write(second);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->append.samples_appended, 2u);
  EXPECT_EQ(r->append.rejected(), 1u);
  EXPECT_NE(r->append.first_error.find("out of order sample"), std::string::npos);
}

TEST_F(RemoteWriteTest, GarbageIsInvalidArgument) {
  RemoteWriteResult res;
  auto app = store_->NewAppender("anonymous");
  for (std::string bad : {std::string("\x0a\xff\xff\xff\xff\x0f", 6), std::string("\x0b", 1),
                          std::string("\x0a\x02\x0a\x05", 4)}) {
    EXPECT_EQ(DecodeWriteRequest(bad, {}, app.get(), &res).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(DecodeWriteRequest("", {}, app.get(), &res).ok()) << "an empty request is valid";
}

TEST_F(RemoteWriteTest, Version2SymbolsRefsMetadataAndExemplars) {
  io::prometheus::write::v2::Request req;
  for (const char* s : {"", "__name__", "rpc_seconds_count", "job", "api", "trace_id", "abc", "RPC latency.", "seconds"}) {
    req.add_symbols(s);
  }
  auto* ts = req.add_timeseries();
  for (uint32_t r : {3u, 4u, 1u, 2u}) ts->add_labels_refs(r);  // unsorted: job first
  auto* smp = ts->add_samples();
  smp->set_value(7);
  smp->set_timestamp(1000);
  auto* ex = ts->add_exemplars();
  ex->add_labels_refs(5);
  ex->add_labels_refs(6);
  ex->set_value(0.5);
  ex->set_timestamp(1000);
  ts->mutable_metadata()->set_type(io::prometheus::write::v2::Metadata::METRIC_TYPE_COUNTER);
  ts->mutable_metadata()->set_help_ref(7);
  ts->mutable_metadata()->set_unit_ref(8);
  RemoteWriteResult res;
  auto app = store_->NewAppender("anonymous");
  const std::string bytes = req.SerializeAsString();  // label views point into it until Commit
  ASSERT_TRUE(DecodeWriteRequestV2(bytes, {}, app.get(), &res).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(res.samples, 1u);
  EXPECT_EQ(res.exemplars, 1u);
  EXPECT_EQ(Read("rpc_seconds_count"), (std::vector<storage::model::Sample>{{1000, 7}}));
  auto md = store_->Metadata("anonymous")["rpc_seconds_count"];
  EXPECT_EQ(md.type, storage::model::MetricType::kCounter);
  EXPECT_EQ(md.help, "RPC latency.");
  EXPECT_EQ(md.unit, "seconds");

  io::prometheus::write::v2::Request bad;
  bad.add_symbols("");
  bad.add_timeseries()->add_labels_refs(1);
  auto app2 = store_->NewAppender("anonymous");
  EXPECT_FALSE(DecodeWriteRequestV2(bad.SerializeAsString(), {}, app2.get(), &res).ok()) << "odd refs";
  bad.mutable_timeseries(0)->add_labels_refs(9);
  auto s = DecodeWriteRequestV2(bad.SerializeAsString(), {}, app2.get(), &res);
  EXPECT_NE(s.message().find("out of range"), std::string::npos) << s;
}

}  // namespace
}  // namespace loupe::ingest::prom

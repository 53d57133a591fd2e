// gRPC method paths. Clients address a method only by the string "/<package>.<Service>/<Method>",
// so these must equal upstream's exactly. Checked twice: in the descriptors, and by calling the
// generated services in process through a generic stub that knows nothing but the path string.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "logproto/push.grpc.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "tempopb/tempo.grpc.pb.h"

namespace loupe::ingest::proto {
namespace {

namespace collector_trace = ::opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = ::opentelemetry::proto::collector::metrics::v1;
namespace collector_logs = ::opentelemetry::proto::collector::logs::v1;

struct MethodSpec {
  const char* path;
  const char* request_type;
  const char* response_type;
  bool server_streaming;
};

constexpr MethodSpec kMethods[] = {
    {"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
     "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
     "opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse", false},
    {"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
     "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest",
     "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse", false},
    {"/opentelemetry.proto.collector.logs.v1.LogsService/Export",
     "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest",
     "opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse", false},
    {"/logproto.Pusher/Push", "logproto.PushRequest", "logproto.PushResponse", false},
    {"/tempopb.StreamingQuerier/Search", "tempopb.SearchRequest", "tempopb.SearchResponse", true},
    {"/tempopb.StreamingQuerier/SearchTags", "tempopb.SearchTagsRequest",
     "tempopb.SearchTagsResponse", true},
    {"/tempopb.StreamingQuerier/SearchTagsV2", "tempopb.SearchTagsRequest",
     "tempopb.SearchTagsV2Response", true},
    {"/tempopb.StreamingQuerier/SearchTagValues", "tempopb.SearchTagValuesRequest",
     "tempopb.SearchTagValuesResponse", true},
    {"/tempopb.StreamingQuerier/SearchTagValuesV2", "tempopb.SearchTagValuesRequest",
     "tempopb.SearchTagValuesV2Response", true},
    {"/tempopb.StreamingQuerier/MetricsQueryRange", "tempopb.QueryRangeRequest",
     "tempopb.QueryRangeResponse", true},
    {"/tempopb.StreamingQuerier/MetricsQueryInstant", "tempopb.QueryInstantRequest",
     "tempopb.QueryInstantResponse", true},
};

TEST(ServiceNames, DescriptorsMatchUpstreamPaths) {
  // Linking the generated services registers their files in the generated pool.
  EXPECT_STREQ(collector_trace::TraceService::service_full_name(),
               "opentelemetry.proto.collector.trace.v1.TraceService");
  EXPECT_STREQ(tempopb::StreamingQuerier::service_full_name(), "tempopb.StreamingQuerier");
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const MethodSpec& spec : kMethods) {
    SCOPED_TRACE(spec.path);
    std::string path = spec.path;
    size_t slash = path.rfind('/');
    const auto* service = pool->FindServiceByName(path.substr(1, slash - 1));
    ASSERT_NE(service, nullptr);
    const auto* method = service->FindMethodByName(path.substr(slash + 1));
    ASSERT_NE(method, nullptr);
    EXPECT_EQ("/" + service->full_name() + "/" + method->name(), spec.path);
    EXPECT_EQ(method->input_type()->full_name(), spec.request_type);
    EXPECT_EQ(method->output_type()->full_name(), spec.response_type);
    EXPECT_FALSE(method->client_streaming());
    EXPECT_EQ(method->server_streaming(), spec.server_streaming);
  }
  // Every method of these services is listed above (none missing, none extra).
  int total = 0;
  for (const char* name : {"opentelemetry.proto.collector.trace.v1.TraceService",
                           "opentelemetry.proto.collector.metrics.v1.MetricsService",
                           "opentelemetry.proto.collector.logs.v1.LogsService", "logproto.Pusher",
                           "tempopb.StreamingQuerier"}) {
    total += pool->FindServiceByName(name)->method_count();
  }
  EXPECT_EQ(total, static_cast<int>(std::size(kMethods)));
}

// Each handler answers with something derived from the request, so a reply proves both the
// routing and that the request arrived intact.
class TraceImpl final : public collector_trace::TraceService::Service {
  grpc::Status Export(grpc::ServerContext*, const collector_trace::ExportTraceServiceRequest* req,
                      collector_trace::ExportTraceServiceResponse* resp) override {
    resp->mutable_partial_success()->set_rejected_spans(req->resource_spans_size());
    return grpc::Status::OK;
  }
};

class MetricsImpl final : public collector_metrics::MetricsService::Service {
  grpc::Status Export(grpc::ServerContext*,
                      const collector_metrics::ExportMetricsServiceRequest* req,
                      collector_metrics::ExportMetricsServiceResponse* resp) override {
    resp->mutable_partial_success()->set_rejected_data_points(req->resource_metrics_size());
    return grpc::Status::OK;
  }
};

class LogsImpl final : public collector_logs::LogsService::Service {
  grpc::Status Export(grpc::ServerContext*, const collector_logs::ExportLogsServiceRequest* req,
                      collector_logs::ExportLogsServiceResponse* resp) override {
    resp->mutable_partial_success()->set_rejected_log_records(req->resource_logs_size());
    return grpc::Status::OK;
  }
};

class PusherImpl final : public logproto::Pusher::Service {
  grpc::Status Push(grpc::ServerContext*, const logproto::PushRequest* req,
                    logproto::PushResponse*) override {
    if (req->streams_size() != 1) return grpc::Status(grpc::INVALID_ARGUMENT, "want 1 stream");
    return grpc::Status::OK;
  }
};

class QuerierImpl final : public tempopb::StreamingQuerier::Service {
  grpc::Status Search(grpc::ServerContext*, const tempopb::SearchRequest* req,
                      grpc::ServerWriter<tempopb::SearchResponse>* out) override {
    tempopb::SearchResponse resp;
    resp.add_traces()->set_roottracename(req->query());
    out->Write(resp);
    return grpc::Status::OK;
  }
  grpc::Status SearchTags(grpc::ServerContext*, const tempopb::SearchTagsRequest* req,
                          grpc::ServerWriter<tempopb::SearchTagsResponse>* out) override {
    tempopb::SearchTagsResponse resp;
    resp.add_tagnames(req->scope());
    out->Write(resp);
    return grpc::Status::OK;
  }
  grpc::Status SearchTagsV2(grpc::ServerContext*, const tempopb::SearchTagsRequest* req,
                            grpc::ServerWriter<tempopb::SearchTagsV2Response>* out) override {
    tempopb::SearchTagsV2Response resp;
    resp.add_scopes()->set_name(req->scope());
    out->Write(resp);
    return grpc::Status::OK;
  }
  grpc::Status SearchTagValues(grpc::ServerContext*, const tempopb::SearchTagValuesRequest* req,
                               grpc::ServerWriter<tempopb::SearchTagValuesResponse>* out) override {
    tempopb::SearchTagValuesResponse resp;
    resp.add_tagvalues(req->tagname());
    out->Write(resp);
    return grpc::Status::OK;
  }
  grpc::Status SearchTagValuesV2(
      grpc::ServerContext*, const tempopb::SearchTagValuesRequest* req,
      grpc::ServerWriter<tempopb::SearchTagValuesV2Response>* out) override {
    tempopb::SearchTagValuesV2Response resp;
    resp.add_tagvalues()->set_value(req->tagname());
    out->Write(resp);
    return grpc::Status::OK;
  }
  grpc::Status MetricsQueryRange(grpc::ServerContext*, const tempopb::QueryRangeRequest* req,
                                 grpc::ServerWriter<tempopb::QueryRangeResponse>* out) override {
    tempopb::QueryRangeResponse resp;
    resp.set_message(req->query());
    out->Write(resp);
    return grpc::Status::OK;
  }
  grpc::Status MetricsQueryInstant(
      grpc::ServerContext*, const tempopb::QueryInstantRequest* req,
      grpc::ServerWriter<tempopb::QueryInstantResponse>* out) override {
    tempopb::QueryInstantResponse resp;
    resp.set_message(req->query());
    out->Write(resp);
    return grpc::Status::OK;
  }
};

class InProcessServer : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&trace_);
    builder.RegisterService(&metrics_);
    builder.RegisterService(&logs_);
    builder.RegisterService(&pusher_);
    builder.RegisterService(&querier_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Calls `path` with `req` through a stub that knows only the path string. For a
  // server-streaming method the handler writes exactly one message, which a unary reader accepts.
  grpc::Status Call(const std::string& path, const google::protobuf::Message& req,
                    google::protobuf::Message* resp) {
    grpc::GenericStub stub(channel_);
    std::string bytes = req.SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer send(&slice, 1);
    grpc::ByteBuffer recv;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, path, grpc::StubOptions(), &send, &recv,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status status = done.get_future().get();
    if (!status.ok()) return status;
    std::vector<grpc::Slice> slices;
    if (!recv.Dump(&slices).ok()) return grpc::Status(grpc::INTERNAL, "dump");
    std::string out;
    for (const grpc::Slice& s : slices) {
      out.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    if (!resp->ParseFromString(out)) return grpc::Status(grpc::INTERNAL, "parse");
    return status;
  }

  TraceImpl trace_;
  MetricsImpl metrics_;
  LogsImpl logs_;
  PusherImpl pusher_;
  QuerierImpl querier_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(InProcessServer, OtlpExportPaths) {
  collector_trace::ExportTraceServiceRequest traces;
  traces.add_resource_spans();
  traces.add_resource_spans();
  collector_trace::ExportTraceServiceResponse traces_resp;
  ASSERT_TRUE(
      Call("/opentelemetry.proto.collector.trace.v1.TraceService/Export", traces, &traces_resp)
          .ok());
  EXPECT_EQ(traces_resp.partial_success().rejected_spans(), 2);

  collector_metrics::ExportMetricsServiceRequest metrics;
  metrics.add_resource_metrics();
  collector_metrics::ExportMetricsServiceResponse metrics_resp;
  ASSERT_TRUE(Call("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", metrics,
                   &metrics_resp)
                  .ok());
  EXPECT_EQ(metrics_resp.partial_success().rejected_data_points(), 1);

  collector_logs::ExportLogsServiceRequest logs;
  logs.add_resource_logs();
  logs.add_resource_logs();
  logs.add_resource_logs();
  collector_logs::ExportLogsServiceResponse logs_resp;
  ASSERT_TRUE(
      Call("/opentelemetry.proto.collector.logs.v1.LogsService/Export", logs, &logs_resp).ok());
  EXPECT_EQ(logs_resp.partial_success().rejected_log_records(), 3);
}

TEST_F(InProcessServer, UnknownPathIsUnimplemented) {
  collector_trace::ExportTraceServiceRequest req;
  collector_trace::ExportTraceServiceResponse resp;
  grpc::Status s = Call("/opentelemetry.proto.collector.trace.v1.TraceService/export", req, &resp);
  EXPECT_EQ(s.error_code(), grpc::UNIMPLEMENTED);
  s = Call("/opentelemetry.proto.collector.trace.v1.TracesService/Export", req, &resp);
  EXPECT_EQ(s.error_code(), grpc::UNIMPLEMENTED);
}

TEST_F(InProcessServer, LokiPushPath) {
  logproto::PushRequest req;
  req.add_streams()->set_labels("{a=\"b\"}");
  logproto::PushResponse resp;
  EXPECT_TRUE(Call("/logproto.Pusher/Push", req, &resp).ok());
  req.add_streams();
  EXPECT_EQ(Call("/logproto.Pusher/Push", req, &resp).error_code(), grpc::INVALID_ARGUMENT);
}

TEST_F(InProcessServer, TempoStreamingQuerierPaths) {
  tempopb::SearchRequest search;
  search.set_query("{ .a = 1 }");
  tempopb::SearchResponse search_resp;
  ASSERT_TRUE(Call("/tempopb.StreamingQuerier/Search", search, &search_resp).ok());
  ASSERT_EQ(search_resp.traces_size(), 1);
  EXPECT_EQ(search_resp.traces(0).roottracename(), "{ .a = 1 }");

  tempopb::SearchTagsRequest tags;
  tags.set_scope("resource");
  tempopb::SearchTagsResponse tags_resp;
  ASSERT_TRUE(Call("/tempopb.StreamingQuerier/SearchTags", tags, &tags_resp).ok());
  EXPECT_EQ(tags_resp.tagnames(0), "resource");
  tempopb::SearchTagsV2Response tags_v2_resp;
  ASSERT_TRUE(Call("/tempopb.StreamingQuerier/SearchTagsV2", tags, &tags_v2_resp).ok());
  EXPECT_EQ(tags_v2_resp.scopes(0).name(), "resource");

  tempopb::SearchTagValuesRequest values;
  values.set_tagname("span.http.method");
  tempopb::SearchTagValuesResponse values_resp;
  ASSERT_TRUE(Call("/tempopb.StreamingQuerier/SearchTagValues", values, &values_resp).ok());
  EXPECT_EQ(values_resp.tagvalues(0), "span.http.method");
  tempopb::SearchTagValuesV2Response values_v2_resp;
  ASSERT_TRUE(Call("/tempopb.StreamingQuerier/SearchTagValuesV2", values, &values_v2_resp).ok());
  EXPECT_EQ(values_v2_resp.tagvalues(0).value(), "span.http.method");

  tempopb::QueryRangeRequest range;
  range.set_query("{} | rate()");
  tempopb::QueryRangeResponse range_resp;
  ASSERT_TRUE(Call("/tempopb.StreamingQuerier/MetricsQueryRange", range, &range_resp).ok());
  EXPECT_EQ(range_resp.message(), "{} | rate()");

  tempopb::QueryInstantRequest instant;
  instant.set_query("{} | count()");
  tempopb::QueryInstantResponse instant_resp;
  ASSERT_TRUE(Call("/tempopb.StreamingQuerier/MetricsQueryInstant", instant, &instant_resp).ok());
  EXPECT_EQ(instant_resp.message(), "{} | count()");
}

}  // namespace
}  // namespace loupe::ingest::proto

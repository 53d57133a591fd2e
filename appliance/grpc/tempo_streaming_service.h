// tempopb.StreamingQuerier: Grafana's Tempo data source with "streaming" enabled runs TraceQL
// search, tag autocomplete and TraceQL metrics over this gRPC service instead of HTTP, dialling
// the data source URL's host:port (the HTTP listeners hand such h2c connections to the gRPC
// server: http::ServerOptions::h2c_handoff).
//
// Each call is answered by the HTTP Tempo API itself: the request becomes the matching GET
// (/api/search, /api/search/tags, /api/v2/search/tags, /api/search/tag/<t>/values,
// /api/v2/search/tag/<t>/values, /api/metrics/query_range, /api/metrics/query) and goes through
// the dispatcher (authentication from the `authorization` metadata, tenant from
// `x-scope-orgid`); the JSON answer, which is the protobuf JSON mapping of the response message
// as in Tempo, is parsed into that message and sent as the stream's only (final) message.
// A non-200 answer becomes a gRPC error with the HTTP body as its message (400 →
// INVALID_ARGUMENT, 401 → UNAUTHENTICATED, 404 → NOT_FOUND, 429 → RESOURCE_EXHAUSTED, other
// → INTERNAL).
//
// Thread-safety: calls run concurrently; the dispatcher is safe for concurrent use.
#pragma once

#include "appliance/http/dispatcher.h"
#include "tempopb/tempo.grpc.pb.h"

namespace loupe::appliance::grpcsrv {

class TempoStreamingService final : public tempopb::StreamingQuerier::Service {
 public:
  explicit TempoStreamingService(const http::Dispatcher& dispatcher) : dispatcher_(dispatcher) {}

  grpc::Status Search(grpc::ServerContext* context, const tempopb::SearchRequest* request,
                      grpc::ServerWriter<tempopb::SearchResponse>* writer) override;
  grpc::Status SearchTags(grpc::ServerContext* context, const tempopb::SearchTagsRequest* request,
                          grpc::ServerWriter<tempopb::SearchTagsResponse>* writer) override;
  grpc::Status SearchTagsV2(grpc::ServerContext* context, const tempopb::SearchTagsRequest* request,
                            grpc::ServerWriter<tempopb::SearchTagsV2Response>* writer) override;
  grpc::Status SearchTagValues(grpc::ServerContext* context, const tempopb::SearchTagValuesRequest* request,
                               grpc::ServerWriter<tempopb::SearchTagValuesResponse>* writer) override;
  grpc::Status SearchTagValuesV2(grpc::ServerContext* context, const tempopb::SearchTagValuesRequest* request,
                                 grpc::ServerWriter<tempopb::SearchTagValuesV2Response>* writer) override;
  grpc::Status MetricsQueryRange(grpc::ServerContext* context, const tempopb::QueryRangeRequest* request,
                                 grpc::ServerWriter<tempopb::QueryRangeResponse>* writer) override;
  grpc::Status MetricsQueryInstant(grpc::ServerContext* context, const tempopb::QueryInstantRequest* request,
                                   grpc::ServerWriter<tempopb::QueryInstantResponse>* writer) override;

 private:
  const http::Dispatcher& dispatcher_;
};

}  // namespace loupe::appliance::grpcsrv

#include "appliance/grpc/tempo_streaming_service.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "appliance/http/url.h"

namespace loupe::appliance::grpcsrv {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

std::string Target(std::string path, const Query& query) {
  char sep = '?';
  for (const auto& [k, v] : query) {
    path += sep;
    path += http::PercentEncode(k) + "=" + http::PercentEncode(v);
    sep = '&';
  }
  return path;
}

void AddIf(Query* q, const char* key, uint64_t v) {
  if (v != 0) q->emplace_back(key, std::to_string(v));
}

void AddIf(Query* q, const char* key, const std::string& v) {
  if (!v.empty()) q->emplace_back(key, v);
}

// logfmt of the legacy tag map, values quoted when they need it.
std::string Logfmt(const google::protobuf::Map<std::string, std::string>& tags) {
  std::string out;
  for (const auto& [k, v] : tags) {
    if (!out.empty()) out += ' ';
    out += k + "=";
    const bool quote = v.empty() || v.find_first_of(" \"=\\") != std::string::npos;
    if (!quote) {
      out += v;
      continue;
    }
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

grpc::StatusCode CodeFor(int http_status) {
  switch (http_status) {
    case 400:
    case 413:
    case 422:
      return grpc::INVALID_ARGUMENT;
    case 401:
      return grpc::UNAUTHENTICATED;
    case 404:
      return grpc::NOT_FOUND;
    case 429:
      return grpc::RESOURCE_EXHAUSTED;
    case 503:
      return grpc::UNAVAILABLE;
    case 504:
      return grpc::DEADLINE_EXCEEDED;
    default:
      return grpc::INTERNAL;
  }
}

// Runs GET `target` through the dispatcher with the call's metadata and parses the JSON answer
// into `out`.
grpc::Status Forward(const http::Dispatcher& dispatcher, grpc::ServerContext* context, std::string target,
                     google::protobuf::Message* out) {
  http::Request req;
  req.method = http::Method::kGet;
  req.target = std::move(target);
  req.remote = context->peer();
  for (const char* key : {"authorization", "x-scope-orgid"}) {
    const auto& md = context->client_metadata();
    auto it = md.find(key);
    if (it != md.end()) req.headers.emplace_back(key, std::string(it->second.data(), it->second.size()));
  }
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    req.deadline = std::chrono::steady_clock::now() + (context->deadline() - std::chrono::system_clock::now());
  }
  auto prepared = dispatcher.Prepare(req);
  http::Response resp = prepared.response ? std::move(*prepared.response) : dispatcher.Invoke(*prepared.route, req);
  for (const auto& [k, v] : resp.headers) {
    if (k == "Content-Encoding") return grpc::Status(grpc::INTERNAL, "unexpected encoded response");
  }
  if (resp.status != 200) {
    std::string msg = resp.body;
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return grpc::Status(CodeFor(resp.status), msg);
  }
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  const auto parsed = google::protobuf::util::JsonStringToMessage(resp.body, out, opts);
  if (!parsed.ok()) return grpc::Status(grpc::INTERNAL, "cannot encode response: " + std::string(parsed.message()));
  return grpc::Status::OK;
}

template <typename Msg>
grpc::Status ForwardAndWrite(const http::Dispatcher& dispatcher, grpc::ServerContext* context, std::string target,
                             grpc::ServerWriter<Msg>* writer) {
  Msg msg;
  grpc::Status st = Forward(dispatcher, context, std::move(target), &msg);
  if (!st.ok()) return st;
  if (!writer->Write(msg)) return grpc::Status(grpc::CANCELLED, "client went away");
  return grpc::Status::OK;
}

std::string Seconds(uint64_t ns) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9f", static_cast<double>(ns) / 1e9);
  return buf;
}

Query TagsQuery(const std::string& scope, const std::string& q, uint32_t start, uint32_t end) {
  Query out;
  AddIf(&out, "scope", scope);
  AddIf(&out, "q", q);
  AddIf(&out, "start", start);
  AddIf(&out, "end", end);
  return out;
}

}  // namespace

grpc::Status TempoStreamingService::Search(grpc::ServerContext* context, const tempopb::SearchRequest* r,
                                           grpc::ServerWriter<tempopb::SearchResponse>* writer) {
  Query q;
  AddIf(&q, "q", r->query());
  if (!r->tags().empty()) q.emplace_back("tags", Logfmt(r->tags()));
  if (r->mindurationms() != 0) q.emplace_back("minDuration", std::to_string(r->mindurationms()) + "ms");
  if (r->maxdurationms() != 0) q.emplace_back("maxDuration", std::to_string(r->maxdurationms()) + "ms");
  AddIf(&q, "limit", r->limit());
  AddIf(&q, "spss", r->spansperspanset());
  AddIf(&q, "start", r->start());
  AddIf(&q, "end", r->end());
  return ForwardAndWrite(dispatcher_, context, Target("/api/search", q), writer);
}

grpc::Status TempoStreamingService::SearchTags(grpc::ServerContext* context, const tempopb::SearchTagsRequest* r,
                                               grpc::ServerWriter<tempopb::SearchTagsResponse>* writer) {
  return ForwardAndWrite(dispatcher_, context,
                         Target("/api/search/tags", TagsQuery(r->scope(), r->query(), r->start(), r->end())), writer);
}

grpc::Status TempoStreamingService::SearchTagsV2(grpc::ServerContext* context, const tempopb::SearchTagsRequest* r,
                                                 grpc::ServerWriter<tempopb::SearchTagsV2Response>* writer) {
  return ForwardAndWrite(dispatcher_, context,
                         Target("/api/v2/search/tags", TagsQuery(r->scope(), r->query(), r->start(), r->end())),
                         writer);
}

grpc::Status TempoStreamingService::SearchTagValues(grpc::ServerContext* context,
                                                    const tempopb::SearchTagValuesRequest* r,
                                                    grpc::ServerWriter<tempopb::SearchTagValuesResponse>* writer) {
  const std::string path = "/api/search/tag/" + http::PercentEncode(r->tagname()) + "/values";
  return ForwardAndWrite(dispatcher_, context, Target(path, TagsQuery("", r->query(), r->start(), r->end())),
                         writer);
}

grpc::Status TempoStreamingService::SearchTagValuesV2(grpc::ServerContext* context,
                                                      const tempopb::SearchTagValuesRequest* r,
                                                      grpc::ServerWriter<tempopb::SearchTagValuesV2Response>* writer) {
  const std::string path = "/api/v2/search/tag/" + http::PercentEncode(r->tagname()) + "/values";
  return ForwardAndWrite(dispatcher_, context, Target(path, TagsQuery("", r->query(), r->start(), r->end())),
                         writer);
}

grpc::Status TempoStreamingService::MetricsQueryRange(grpc::ServerContext* context,
                                                      const tempopb::QueryRangeRequest* r,
                                                      grpc::ServerWriter<tempopb::QueryRangeResponse>* writer) {
  Query q;
  q.emplace_back("q", r->query());
  AddIf(&q, "start", r->start());
  AddIf(&q, "end", r->end());
  if (r->step() != 0) q.emplace_back("step", Seconds(r->step()));
  AddIf(&q, "exemplars", r->exemplars());
  return ForwardAndWrite(dispatcher_, context, Target("/api/metrics/query_range", q), writer);
}

grpc::Status TempoStreamingService::MetricsQueryInstant(grpc::ServerContext* context,
                                                        const tempopb::QueryInstantRequest* r,
                                                        grpc::ServerWriter<tempopb::QueryInstantResponse>* writer) {
  Query q;
  q.emplace_back("q", r->query());
  AddIf(&q, "start", r->start());
  AddIf(&q, "end", r->end());
  return ForwardAndWrite(dispatcher_, context, Target("/api/metrics/query", q), writer);
}

}  // namespace loupe::appliance::grpcsrv

#include "appliance/api/tempo_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "appliance/api/errors.h"
#include "appliance/api/params.h"
#include "appliance/api/tempo_json.h"
#include "appliance/api/tempo_params.h"
#include "appliance/http/url.h"
#include "ingest/otlp/codec_util.h"
#include "storage/base/clock.h"

namespace loupe::appliance::api {

using http::ApiFamily;
using http::Method;
using http::Request;
using http::Response;
namespace spanstore = storage::spanstore;
namespace tql = query::traceql;
using tempo::Param;
using tempo::SecondsParam;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

Response TempoError(const Status& s, const Request& r) {
  // Tempo answers unsupported TraceQL with 400, like any other invalid query.
  if (s.code() == StatusCode::kUnimplemented)
    return ErrorResponse(ApiFamily::kTempo, Status::InvalidArgument(s.message()), &r);
  if (s.code() == StatusCode::kIOError || s.code() == StatusCode::kCorruption) {
    spdlog::error("tempo api {}: {}", r.path, s.message());
  }
  return ErrorResponse(ApiFamily::kTempo, s, &r);
}

bool WantsProtobuf(const Request& r) {
  return r.Header("accept").find("application/protobuf") != std::string_view::npos;
}

Response Protobuf(std::string body) {
  Response out;
  out.content_type = "application/protobuf";
  out.body = std::move(body);
  return out;
}

// [start, end] of a time-bounded request in seconds, as nanoseconds for the store/engine
// (both 0 = unbounded; an open end = up to now and beyond).
struct Range {
  int64_t start_ns = 0, end_ns = 0;
};
Range ToRange(int64_t start_s, int64_t end_s) {
  if (start_s == 0 && end_s == 0) return {};
  static constexpr int64_t kMaxSeconds = INT64_MAX / 2 / kSecond;  // absurd inputs: no overflow
  auto ns = [](int64_t s) { return std::clamp(s, -kMaxSeconds, kMaxSeconds) * kSecond; };
  return {ns(start_s), end_s == 0 ? INT64_MAX / 2 : ns(end_s)};
}

// start/end as the search and tag endpoints read them: 32-bit unix seconds, both or neither.
Result<Range> TimeParams(const Request& r) {
  LOUPE_ASSIGN_OR_RETURN(const int64_t start, SecondsParam(r, "start", 32));
  LOUPE_ASSIGN_OR_RETURN(const int64_t end, SecondsParam(r, "end", 32));
  if ((start != 0 || end != 0) && end <= start) {
    return Status::InvalidArgument("http parameter start must be before end. received start=" +
                                   std::to_string(start) + " end=" + std::to_string(end));
  }
  return ToRange(start, end);
}

Result<int64_t> PositiveIntParam(const Request& r, std::string_view name, int64_t fallback) {
  const std::string* v = Param(r, name);
  if (!v) return fallback;
  auto n = tempo::ParseGoInt(*v, 64);
  if (!n.ok()) {
    std::string msg = n.status().message();
    msg.replace(0, std::string_view("strconv.ParseInt").size(), "strconv.Atoi");
    return Status::InvalidArgument("invalid " + std::string(name) + ": " + msg);
  }
  if (*n <= 0)
    return Status::InvalidArgument("invalid " + std::string(name) + ": must be a positive number");
  return *n;
}

// Non-negative limit (0 = none) for tag endpoints.
Result<size_t> LimitParam(const Request& r) {
  const std::string* v = Param(r, "limit");
  if (!v) return size_t{0};
  auto n = tempo::ParseGoInt(*v, 64);
  if (!n.ok() || *n < 0)
    return Status::InvalidArgument(
        "invalid limit: " +
        (n.ok() ? std::string("must be a positive number") : n.status().message()));
  return static_cast<size_t>(*n);
}

// Tempo decodes the tag name once more after the router did (url.QueryUnescape: Grafana
// double-encodes it).
Result<std::string> TagNameParam(const Request& r) {
  const std::string_view raw = r.PathParam("tag");
  if (raw.empty()) return Status::InvalidArgument("please provide a non-empty tagName");
  auto tag = http::PercentDecode(raw, /*plus_is_space=*/true);
  if (!tag.ok()) return Status::InvalidArgument("error in unescaping tagName");
  return *tag;
}

void AppendStringArray(std::string* out, const std::vector<std::string>& v) {
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    ingest::otlp::AppendJsonString(out, v[i]);
  }
  out->push_back(']');
}

// ---- trace by ID ----------------------------------------------------------------------------

struct TraceRequest {
  spanstore::TraceId id;
  spanstore::TraceQuery query;
};

Result<TraceRequest> ParseTraceRequest(const Request& r, uint64_t max_bytes) {
  TraceRequest t;
  LOUPE_ASSIGN_OR_RETURN(t.id, ParseTempoTraceId(r.PathParam("id")));
  if (const std::string* mode = Param(r, "mode");
      mode && *mode != "all" && *mode != "ingesters" && *mode != "blocks") {
    return Status::InvalidArgument("invalid value for mode " + *mode);
  }
  LOUPE_ASSIGN_OR_RETURN(const int64_t start, SecondsParam(r, "start", 64));
  LOUPE_ASSIGN_OR_RETURN(const int64_t end, SecondsParam(r, "end", 64));
  if (start != 0 && end != 0 && end <= start) {
    return Status::InvalidArgument("http parameter start must be before end. received start=" +
                                   std::to_string(start) + " end=" + std::to_string(end));
  }
  const Range range = ToRange(start, end);
  t.query.start_ns = range.start_ns;
  t.query.end_ns = range.end_ns;
  t.query.max_bytes = max_bytes;
  return t;
}

// ---- tags -----------------------------------------------------------------------------------

// The legacy (v1) tag names: Tempo's pre-TraceQL names for intrinsics, else any span or
// resource attribute.
Result<std::vector<std::string>> V1TagValues(spanstore::SpanStore& store, std::string_view tenant,
                                             const std::string& tag, const Range& range,
                                             size_t limit) {
  using spanstore::Intrinsic;
  if (tag == "status.code" || tag == "status")
    return std::vector<std::string>{"error", "ok", "unset"};
  Intrinsic in = Intrinsic::kNone;
  if (tag == "name") in = Intrinsic::kName;
  if (tag == "root.name") in = Intrinsic::kRootName;
  if (tag == "root.service.name") in = Intrinsic::kRootServiceName;
  LOUPE_ASSIGN_OR_RETURN(auto values, store.TagValues(tenant, spanstore::Scope::kNone,
                                                      in == Intrinsic::kNone ? tag : "", in,
                                                      range.start_ns, range.end_ns, limit));
  std::set<std::string> out;
  for (const auto& v : values) out.insert(v.value);
  return std::vector<std::string>(out.begin(), out.end());
}

// ---- search ---------------------------------------------------------------------------------

Result<tql::SearchRequest> ParseSearch(const Request& r, const tql::EngineOptions& eo) {
  tql::SearchRequest req;
  LOUPE_ASSIGN_OR_RETURN(const Range range, TimeParams(r));
  req.start_ns = range.start_ns;
  req.end_ns = range.end_ns;
  const std::string* q = Param(r, "q");
  if (q) req.query = *q == "{}" ? std::string() : *q;
  const std::string* tags = Param(r, "tags");
  if (tags) {
    if (q)
      return Status::InvalidArgument("invalid request: can't specify tags and q in the same query");
    auto kvs = tempo::ParseLogfmt(*tags);
    if (!kvs.ok()) return Status::InvalidArgument("invalid tags: " + kvs.status().message());
    for (auto& [k, v] : *kvs) {
      if (std::any_of(req.tags.begin(), req.tags.end(),
                      [&](const auto& t) { return t.first == k; })) {
        return Status::InvalidArgument("invalid tags: tag " + k + " has been set twice");
      }
      req.tags.emplace_back(std::move(k), std::move(v));
    }
  } else if (!q && range.start_ns == 0 && range.end_ns == 0) {
    // The first Grafana search sent tags as plain query parameters.
    static const std::set<std::string, std::less<>> kReserved = {
        "q", "tags", "minDuration", "maxDuration", "limit", "spss", "start", "end"};
    for (const auto& [k, v] : r.params.items()) {
      if (kReserved.count(k) || v.empty()) continue;
      if (std::none_of(req.tags.begin(), req.tags.end(),
                       [&](const auto& t) { return t.first == k; })) {
        req.tags.emplace_back(k, v);
      }
    }
  }
  auto duration_ms = [&](const char* name, int64_t* out) -> Status {
    const std::string* v = Param(r, name);
    if (!v) return Status::OK();
    auto d = tempo::ParseGoDuration(*v);
    if (!d.ok())
      return Status::InvalidArgument(std::string("invalid ") + name + ": " + d.status().message());
    *out = static_cast<int64_t>(static_cast<uint32_t>(*d / 1'000'000)) *
           1'000'000;  // uint32 ms, as Tempo
    return Status::OK();
  };
  LOUPE_RETURN_IF_ERROR(duration_ms("minDuration", &req.min_duration_ns));
  LOUPE_RETURN_IF_ERROR(duration_ms("maxDuration", &req.max_duration_ns));
  if (Param(r, "maxDuration") && req.min_duration_ns != 0 &&
      req.min_duration_ns > req.max_duration_ns) {
    return Status::InvalidArgument("invalid maxDuration: must be greater than minDuration");
  }
  LOUPE_ASSIGN_OR_RETURN(const int64_t limit, PositiveIntParam(r, "limit", 20));
  LOUPE_ASSIGN_OR_RETURN(const int64_t spss, PositiveIntParam(r, "spss", 3));
  req.limit = static_cast<uint32_t>(std::min<int64_t>(limit, UINT32_MAX));
  if (eo.max_limit > 0) req.limit = std::min(req.limit, eo.max_limit);
  req.spans_per_spanset = static_cast<uint32_t>(std::min<int64_t>(spss, UINT32_MAX));
  return req;
}

// ---- TraceQL metrics ------------------------------------------------------------------------

Result<tql::MetricsRequest> ParseMetrics(const Request& r, bool instant) {
  tql::MetricsRequest req;
  req.instant = instant;
  const std::string* q = Param(r, "q");
  if (!q) q = Param(r, "query");
  if (q) req.query = *q;
  const int64_t now = Clock::Real().NowNanos();
  int64_t since = 3600 * kSecond;
  if (const std::string* s = Param(r, "since")) {
    auto ms = ParsePromDurationMs(*s);
    if (!ms.ok())
      return Status::InvalidArgument("could not parse 'since' parameter: " + ms.status().message());
    since = *ms * 1'000'000;
  }
  req.end_ns = now;
  if (const std::string* e = Param(r, "end")) {
    auto t = tempo::ParseMetricsTimestamp(*e);
    if (!t.ok())
      return Status::InvalidArgument("could not parse 'end' parameter: " + t.status().message());
    req.end_ns = *t;
  }
  req.start_ns = std::min(req.end_ns, now) - since;
  if (const std::string* s = Param(r, "start")) {
    auto t = tempo::ParseMetricsTimestamp(*s);
    if (!t.ok())
      return Status::InvalidArgument("could not parse 'start' parameter: " + t.status().message());
    req.start_ns = *t;
  }
  if (const std::string* st = Param(r, "step"); st && !instant) {
    LOUPE_ASSIGN_OR_RETURN(req.step_ns, tempo::ParseSecondsOrDuration(*st));
  }
  if (const std::string* ex = Param(r, "exemplars")) {
    auto n = tempo::ParseGoInt(*ex, 32);
    if (!n.ok() || *n < 0)
      return Status::InvalidArgument(
          "invalid exemplars: " +
          (n.ok() ? std::string("must not be negative") : n.status().message()));
    req.exemplars = static_cast<uint32_t>(*n);
  }
  return req;
}

}  // namespace

Result<spanstore::TraceId> ParseTempoTraceId(std::string_view hex) {
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) {
      // Go ranges over runes: report the whole UTF-8 character and its byte position.
      size_t len = ingest::otlp::Utf8SequenceLength(hex, i);
      if (len == 0) len = 1;
      const std::string ch = len == 1 && static_cast<unsigned char>(c) >= 0x80
                                 ? "\xEF\xBF\xBD"
                                 : std::string(hex.substr(i, len));
      return Status::InvalidArgument(
          "trace IDs can only contain hex characters: invalid character '" + ch + "' at position " +
          std::to_string(i + 1));
    }
  }
  std::string digits(hex);
  if (digits.size() % 2 == 1) digits.insert(digits.begin(), '0');
  if (digits.size() > 32) return Status::InvalidArgument("trace IDs can't be larger than 128 bits");
  std::string bytes;
  if (!ingest::otlp::DecodeHex(digits, &bytes))
    return Status::InvalidArgument("trace IDs can only contain hex characters");
  bytes.insert(bytes.begin(), 16 - bytes.size(), '\0');
  return spanstore::TraceId::FromBytes(bytes);
}

void RegisterTempoApi(http::Router& router, spanstore::SpanStore& store, TempoApiOptions options) {
  const http::RouteOptions tempo{ApiFamily::kTempo};
  const uint64_t max_bytes = options.max_bytes_per_trace;
  const tql::EngineOptions eo = options.engine;

  router.Handle(
      {Method::kGet}, "/api/traces/{id}",
      [&store, max_bytes](Request& r) {
        auto req = ParseTraceRequest(r, max_bytes);
        if (!req.ok()) return TempoError(req.status(), r);
        auto res = store.FindTraceByID(r.Tenant(), req->id, req->query);
        if (!res.ok()) return TempoError(res.status(), r);
        if (!res->found) return TempoError(Status::NotFound("trace not found"), r);
        // v1 never answers a partial trace: Tempo's querier fails with ErrTraceTooLarge (422).
        if (res->partial) return Response::Text(422, res->message + "\n");
        if (WantsProtobuf(r)) return Protobuf(TraceV1Proto(res->resource_spans));
        return Response::Json(200, TraceV1Json(res->resource_spans));
      },
      tempo);

  router.Handle(
      {Method::kGet}, "/api/v2/traces/{id}",
      [&store, max_bytes](Request& r) {
        auto req = ParseTraceRequest(r, max_bytes);
        if (!req.ok()) return TempoError(req.status(), r);
        auto res = store.FindTraceByID(r.Tenant(), req->id, req->query);
        if (!res.ok()) return TempoError(res.status(), r);
        if (!res->found) return TempoError(Status::NotFound("trace not found"), r);
        TraceV2 t;
        t.batches = &res->resource_spans;
        t.inspected_bytes = res->inspected_bytes;
        if (res->partial) {
          t.partial = true;
          t.message = "Trace exceeds maximum size of " + std::to_string(max_bytes) +
                      " bytes, a partial trace is returned";
        }
        if (WantsProtobuf(r)) return Protobuf(TraceV2Proto(t));
        return Response::Json(200, TraceV2Json(t));
      },
      tempo);

  router.Handle(
      {Method::kGet}, "/api/search",
      [&store, eo](Request& r) {
        auto req = ParseSearch(r, eo);
        if (!req.ok()) return TempoError(req.status(), r);
        auto res = tql::Search(store, r.Tenant(), *req, eo);
        if (!res.ok()) return TempoError(res.status(), r);
        return Response::Json(200, tql::ToJson(*res));
      },
      tempo);

  router.Handle(
      {Method::kGet}, "/api/search/tags",
      [&store](Request& r) {
        auto range = TimeParams(r);
        if (!range.ok()) return TempoError(range.status(), r);
        auto limit = LimitParam(r);
        if (!limit.ok()) return TempoError(limit.status(), r);
        const std::string scope = r.params.GetOr("scope", "");
        auto scopes =
            tql::TagNames(store, r.Tenant(), scope, "", range->start_ns, range->end_ns, *limit);
        if (!scopes.ok()) return TempoError(scopes.status(), r);
        std::set<std::string> names;
        for (const auto& s : *scopes) {
          if (s.name == "intrinsic" && scope != "intrinsic") continue;
          names.insert(s.tags.begin(), s.tags.end());
        }
        std::vector<std::string> list(names.begin(), names.end());
        if (*limit > 0 && list.size() > *limit) list.resize(*limit);
        std::string out = "{\"tagNames\":";
        AppendStringArray(&out, list);
        out += ",\"metrics\":{}}";
        return Response::Json(200, std::move(out));
      },
      tempo);

  router.Handle(
      {Method::kGet}, "/api/v2/search/tags",
      [&store](Request& r) {
        auto range = TimeParams(r);
        if (!range.ok()) return TempoError(range.status(), r);
        auto limit = LimitParam(r);
        if (!limit.ok()) return TempoError(limit.status(), r);
        auto scopes =
            tql::TagNames(store, r.Tenant(), r.params.GetOr("scope", ""), r.params.GetOr("q", ""),
                          range->start_ns, range->end_ns, *limit);
        if (!scopes.ok()) return TempoError(scopes.status(), r);
        std::string out = "{\"scopes\":[";
        bool first = true;
        for (const auto& s : *scopes) {
          if (s.tags.empty()) continue;
          if (!first) out.push_back(',');
          first = false;
          out += "{\"name\":";
          ingest::otlp::AppendJsonString(&out, s.name);
          out += ",\"tags\":";
          AppendStringArray(&out, s.tags);
          out.push_back('}');
        }
        out += "],\"metrics\":{}}";
        return Response::Json(200, std::move(out));
      },
      tempo);

  router.Handle(
      {Method::kGet}, "/api/search/tag/{tag}/values",
      [&store](Request& r) {
        auto range = TimeParams(r);
        if (!range.ok()) return TempoError(range.status(), r);
        auto limit = LimitParam(r);
        if (!limit.ok()) return TempoError(limit.status(), r);
        auto tag = TagNameParam(r);
        if (!tag.ok()) return TempoError(tag.status(), r);
        auto values = V1TagValues(store, r.Tenant(), *tag, *range, *limit);
        if (!values.ok()) return TempoError(values.status(), r);
        std::string out = "{\"tagValues\":";
        AppendStringArray(&out, *values);
        out += ",\"metrics\":{}}";
        return Response::Json(200, std::move(out));
      },
      tempo);

  router.Handle(
      {Method::kGet}, "/api/v2/search/tag/{tag}/values",
      [&store](Request& r) {
        auto range = TimeParams(r);
        if (!range.ok()) return TempoError(range.status(), r);
        auto limit = LimitParam(r);
        if (!limit.ok()) return TempoError(limit.status(), r);
        auto tag = TagNameParam(r);
        if (!tag.ok()) return TempoError(tag.status(), r);
        auto values = tql::TagValues(store, r.Tenant(), *tag, r.params.GetOr("q", ""),
                                     range->start_ns, range->end_ns, *limit);
        if (!values.ok()) {
          const Status& s = values.status();
          if (s.code() == StatusCode::kInvalidArgument) {
            return TempoError(
                Status::InvalidArgument("please provide a valid tagName: " + s.message()), r);
          }
          return TempoError(s, r);
        }
        std::string out = "{\"tagValues\":[";
        for (size_t i = 0; i < values->size(); ++i) {
          const auto& v = (*values)[i];
          if (i) out.push_back(',');
          out += "{\"type\":";
          // Tempo types status values (and kinds) as "keyword": Grafana then writes them
          // unquoted in the TraceQL it builds.
          const bool keyword =
              v.type == tql::TypedValue::Type::kStatus || v.type == tql::TypedValue::Type::kKind;
          ingest::otlp::AppendJsonString(&out, keyword ? "keyword" : tql::TypedValueTypeName(v.type));
          out += ",\"value\":";
          ingest::otlp::AppendJsonString(&out, tql::TypedValueString(v));
          out.push_back('}');
        }
        out += "],\"metrics\":{}}";
        return Response::Json(200, std::move(out));
      },
      tempo);

  auto metrics = [&store, eo](Request& r, bool instant) {
    auto req = ParseMetrics(r, instant);
    if (!req.ok()) return TempoError(req.status(), r);
    auto res = tql::QueryRange(store, r.Tenant(), *req, eo);
    if (!res.ok()) return TempoError(res.status(), r);
    return Response::Json(200, tql::ToJson(*res));
  };
  router.Handle(
      {Method::kGet, Method::kPost}, "/api/metrics/query_range",
      [metrics](Request& r) { return metrics(r, false); }, tempo);
  router.Handle(
      {Method::kGet, Method::kPost}, "/api/metrics/query",
      [metrics](Request& r) { return metrics(r, true); }, tempo);
}

}  // namespace loupe::appliance::api

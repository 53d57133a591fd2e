#include "appliance/api/prom_query_api.h"

#include <chrono>
#include <memory>

#include "appliance/api/errors.h"
#include "appliance/api/params.h"
#include "appliance/api/prom_json.h"
#include "query/common/go_format.h"
#include "query/promql/eval/engine.h"
#include "query/promql/eval/metric_store_source.h"

namespace loupe::appliance::api {

using http::ApiFamily;
using http::Method;
using http::Request;
using http::Response;
namespace promql = query::promql;

namespace {

// Go's encoding/json string escaping (HTML-safe, as Prometheus's jsoniter configuration).
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
      continue;
    }
    // U+2028 and U+2029 are escaped too.
    if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xa8 || static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
  out += '"';
}

// Prometheus's MarshalTimestamp: seconds, then a three-digit millisecond fraction when non-zero.
void AppendTimestamp(std::string& out, int64_t ms) {
  uint64_t u = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out += '-';
    u = 0 - u;
  }
  out += std::to_string(u / 1000);
  const uint64_t frac = u % 1000;
  if (frac != 0) {
    out += '.';
    if (frac < 100) out += '0';
    if (frac < 10) out += '0';
    out += std::to_string(frac);
  }
}

void AppendPoint(std::string& out, int64_t t, double v) {
  out += '[';
  AppendTimestamp(out, t);
  out += ",\"";
  out += query::FormatFloatF(v);
  out += "\"]";
}

void AppendMetric(std::string& out, const storage::model::Labels& labels) {
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, l.name);
    out += ':';
    AppendJsonString(out, l.value);
  }
  out += '}';
}

std::string_view ResultTypeName(promql::ValueType type) {
  switch (type) {
    case promql::ValueType::kScalar: return "scalar";
    case promql::ValueType::kString: return "string";
    case promql::ValueType::kVector: return "vector";
    case promql::ValueType::kMatrix: return "matrix";
    default: return "";
  }
}

Response PromError(const Status& s, const Request& r) {
  return ErrorResponse(ApiFamily::kPrometheus, s, &r);
}

// Execution errors are reported with errorType "execution" and 422.
Response ExecutionError(const std::string& message) {
  std::string body = R"({"status":"error","errorType":"execution","error":)";
  AppendJsonString(body, message);
  body += '}';
  return Response::Json(422, std::move(body));
}

// Maps an engine error the way Prometheus's API does: parse errors and invalid expression types
// are bad_data on the query parameter; other kInvalidArgument errors happened while evaluating.
Response QueryError(const Status& s, const Request& r) {
  if (s.code() == StatusCode::kInvalidArgument) {
    if (promql::IsParseError(s) || s.message().starts_with("invalid expression type")) {
      return PromError(InvalidParam("query", s), r);
    }
    return ExecutionError(s.message());
  }
  return PromError(s, r);
}

struct Common {
  std::string query;
  promql::QueryOptions options;
};

Result<Common> CommonParams(const Request& r, int64_t lookback_ms) {
  Common c;
  c.query = r.params.GetOr("query", "");
  if (const std::string* to = r.params.Get("timeout"); to && !to->empty()) {
    auto ms = ParsePromDurationMs(*to);
    if (!ms.ok()) return InvalidParam("timeout", ms.status());
    c.options.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*ms);
  }
  if (const std::string* lb = r.params.Get("lookback_delta"); lb && !lb->empty()) {
    auto ms = ParsePromDurationMs(*lb);
    if (!ms.ok()) return InvalidParam("lookback_delta", ms.status());
    c.options.lookback_delta_ms = *ms;
  }
  if (c.options.lookback_delta_ms == 0) c.options.lookback_delta_ms = lookback_ms;
  // The request's own deadline (server request timeout) bounds the query too.
  if (r.deadline != std::chrono::steady_clock::time_point::max() &&
      (!c.options.deadline || r.deadline < *c.options.deadline)) {
    c.options.deadline = r.deadline;
  }
  return c;
}

Response Success(const promql::QueryResult& result, std::string_view query) {
  return PromSuccessRaw(PromQueryDataJson(result),
                        result.annotations.Format(query::AnnotationKind::kWarning, query),
                        result.annotations.Format(query::AnnotationKind::kInfo, query));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string PromQueryDataJson(const promql::QueryResult& result) {
  std::string out;
  out += R"({"resultType":")";
  out += ResultTypeName(result.type);
  out += R"(","result":)";
  switch (result.type) {
    case promql::ValueType::kScalar:
      AppendPoint(out, result.scalar.t, result.scalar.v);
      break;
    case promql::ValueType::kString:
      out += '[';
      AppendTimestamp(out, result.string.t);
      out += ',';
      AppendJsonString(out, result.string.v);
      out += ']';
      break;
    case promql::ValueType::kVector: {
      out += '[';
      bool first = true;
      for (const auto& e : result.vector) {
        if (!first) out += ',';
        first = false;
        out += R"({"metric":)";
        AppendMetric(out, e.metric);
        out += R"(,"value":)";
        AppendPoint(out, e.t, e.v);
        out += '}';
      }
      out += ']';
      break;
    }
    case promql::ValueType::kMatrix: {
      out += '[';
      bool first = true;
      for (const auto& s : result.matrix) {
        if (!first) out += ',';
        first = false;
        out += R"({"metric":)";
        AppendMetric(out, s.metric);
        out += R"(,"values":[)";
        for (size_t i = 0; i < s.points.size(); ++i) {
          if (i) out += ',';
          AppendPoint(out, s.points[i].t, s.points[i].v);
        }
        out += "]}";
      }
      out += ']';
      break;
    }
    default:
      out += "null";
  }
  out += '}';
  return out;
}

void RegisterPromQueryApi(http::Router& router, storage::tsdb::MetricStore& store,
                          selfmon::Registry& metrics, PromQueryOptions options) {
  promql::EngineOptions eo;
  eo.lookback_delta_ms = options.lookback_ms;
  eo.max_samples = options.max_samples;
  eo.timeout_ms = options.timeout_ms;
  auto engine = std::make_shared<promql::Engine>(eo);
  auto& queries = metrics.CounterFamily("loupe_promql_queries_total",
                                        "PromQL queries answered, by kind and outcome.",
                                        {"kind", "outcome"});
  auto& seconds = metrics.HistogramFamily(
      "loupe_promql_query_duration_seconds", "PromQL query evaluation time, by kind.", {"kind"},
      {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120});
  const http::RouteOptions prom{ApiFamily::kPrometheus};

  // Counts the outcome (by the response's status) and the time.
  auto finish = [&queries, &seconds](std::string_view kind, std::chrono::steady_clock::time_point t0,
                                     Response resp) {
    const char* outcome = resp.status == 200 ? "success"
                          : resp.status == 400 ? "bad_data"
                          : resp.status == 422 ? "execution"
                          : resp.status == 503 ? "timeout"
                                               : "error";
    queries.With({std::string(kind), outcome}).Inc();
    seconds.With({std::string(kind)})
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return resp;
  };

  router.Handle(
      {Method::kGet, Method::kPost}, "/api/v1/query",
      [&store, engine, finish, lookback = options.lookback_ms](Request& r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto common = CommonParams(r, lookback);
        if (!common.ok()) return finish("instant", t0, PromError(common.status(), r));
        auto time = PromTimeParam(r, "time", NowMs());
        if (!time.ok()) return finish("instant", t0, PromError(time.status(), r));
        promql::MetricStoreSource source(store, r.Tenant());
        auto result = engine->InstantQuery(source, common->query, *time, common->options);
        if (!result.ok()) return finish("instant", t0, QueryError(result.status(), r));
        return finish("instant", t0, Success(*result, common->query));
      },
      prom);

  router.Handle(
      {Method::kGet, Method::kPost}, "/api/v1/query_range",
      [&store, engine, finish, lookback = options.lookback_ms,
       max_points = options.max_points_per_series](Request& r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto common = CommonParams(r, lookback);
        if (!common.ok()) return finish("range", t0, PromError(common.status(), r));
        auto start = ParsePromTime(r.params.GetOr("start", ""));
        if (!start.ok()) return finish("range", t0, PromError(InvalidParam("start", start.status()), r));
        auto end = ParsePromTime(r.params.GetOr("end", ""));
        if (!end.ok()) return finish("range", t0, PromError(InvalidParam("end", end.status()), r));
        if (*end < *start) {
          return finish("range", t0,
                        PromError(InvalidParam("end", Status::InvalidArgument(
                                                          "end timestamp must not be before start time")),
                                  r));
        }
        auto step = ParsePromDurationMs(r.params.GetOr("step", ""));
        if (!step.ok()) return finish("range", t0, PromError(InvalidParam("step", step.status()), r));
        if (*step <= 0) {
          return finish("range", t0,
                        PromError(InvalidParam("step", Status::InvalidArgument(
                                                           "zero or negative query resolution step "
                                                           "widths are not accepted. Try a positive "
                                                           "integer")),
                                  r));
        }
        if ((*end - *start) / *step > max_points) {
          return finish("range", t0,
                        PromError(Status::InvalidArgument(
                                      "exceeded maximum resolution of 11,000 points per timeseries. "
                                      "Try decreasing the query resolution (?step=XX)"),
                                  r));
        }
        promql::MetricStoreSource source(store, r.Tenant());
        auto result = engine->RangeQuery(source, common->query, *start, *end, *step, common->options);
        if (!result.ok()) return finish("range", t0, QueryError(result.status(), r));
        return finish("range", t0, Success(*result, common->query));
      },
      prom);
}

}  // namespace loupe::appliance::api

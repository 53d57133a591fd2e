// /loki/api/v1/detected_fields, /detected_field/<name>/values and /patterns: analyses of the
// lines a log query returns (field detection: query/logql/eval/detected_fields.h; patterns:
// query/logql/eval/drain.h), and /drilldown-limits (the limits Logs Drilldown reads).
#include <nlohmann/json.hpp>

#include "appliance/api/errors.h"
#include "appliance/api/loki_json.h"
#include "appliance/api/loki_query_internal.h"
#include "appliance/build_info.h"
#include "query/logql/eval/detected_fields.h"
#include "query/logql/eval/drain.h"
#include "query/logql/syntax/go_compat.h"
#include "query/logql/syntax/parser.h"

namespace loupe::appliance::api::lokiq {

using http::Method;
using http::Request;
using http::Response;
namespace ql = query::logql;

namespace {

constexpr int64_t kDefaultFieldLimit = 1000;   // Loki's defaultLimit for detected fields
constexpr uint32_t kMaxPatternLines = 50'000;  // lines fed to Drain per request

// The request's query must be a log query (Loki parses it with ParseLogSelector).
Status CheckLogQuery(const std::string& query) {
  LOUPE_ASSIGN_OR_RETURN(ql::ExprPtr expr, ql::ParseExpr(query));
  if (!std::holds_alternative<ql::LogSelector>(expr->node)) {
    return Status::InvalidArgument("only log queries are supported");
  }
  return Status::OK();
}

// Runs the log query of a detected_* or patterns request over its bounds, newest first (Loki's
// detected fields direction) or oldest first.
Result<ql::QueryResult> RunLogQuery(Shared& s, const Request& r, const std::string& query,
                                    const Bounds& b, uint32_t limit, ql::Direction dir,
                                    size_t max_entries) {
  ql::EngineOptions eo = s.EngineOpts();
  eo.max_entries_limit = max_entries;
  ql::Engine engine(&s.source, eo);
  ql::QueryParams p;
  p.query = query;
  p.tenant = r.Tenant();
  p.start_ns = b.start_ns;
  p.end_ns = b.end_ns;
  p.limit = limit;
  p.direction = dir;
  p.categorize_labels = true;
  p.deadline = QueryDeadline(r, s);
  return engine.Exec(p);
}

struct FieldsRequest {
  std::string query;
  Bounds bounds;
  uint32_t line_limit = 100;
  uint32_t limit = kDefaultFieldLimit;
};

// Loki's ParseDetectedFieldsQuery.
Result<FieldsRequest> ParseFieldsRequest(const Request& r) {
  FieldsRequest f;
  f.query = r.params.GetOr("query", "");
  LOUPE_ASSIGN_OR_RETURN(f.bounds, ParseBounds(r));
  if (f.bounds.end_ns < f.bounds.start_ns) {
    return Status::InvalidArgument("end timestamp must not be before or equal to start time");
  }
  LOUPE_ASSIGN_OR_RETURN(f.line_limit, ParseLimit(r, "line_limit", 100));
  const std::string* lim = r.params.Get("limit");
  if (lim == nullptr || lim->empty()) lim = r.params.Get("field_limit");
  if (lim != nullptr && !lim->empty()) {
    LOUPE_ASSIGN_OR_RETURN(int64_t v, ParseGoInt(*lim));
    if (v <= 0) return Status::InvalidArgument("limit must be a positive value");
    f.limit = static_cast<uint32_t>(std::min<int64_t>(v, UINT32_MAX));
  }
  LOUPE_ASSIGN_OR_RETURN(int64_t step, ParseStep(r, f.bounds));
  if (step <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if ((f.bounds.end_ns - f.bounds.start_ns) / step > 11000) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per time series. Try increasing the value "
        "of the step parameter");
  }
  LOUPE_RETURN_IF_ERROR(CheckLogQuery(f.query));
  return f;
}

std::string FieldsJson(const std::vector<ql::DetectedField>& fields, uint32_t limit) {
  std::string out = "{\"fields\":[";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += "{\"label\":";
    AppendLokiJsonString(out, fields[i].label, false);
    out += ",\"type\":\"";
    out += ql::FieldTypeName(fields[i].type);
    out += "\",\"cardinality\":";
    out += std::to_string(fields[i].cardinality);
    out += ",\"parsers\":";
    if (fields[i].parsers.empty()) {
      out += "null";
    } else {
      out += '[';
      for (size_t j = 0; j < fields[i].parsers.size(); ++j) {
        if (j) out += ',';
        AppendLokiJsonString(out, fields[i].parsers[j], false);
      }
      out += ']';
    }
    out += '}';
  }
  out += "],\"limit\":";
  out += std::to_string(limit);
  out += "}\n";
  return out;
}

// Loki's DrilldownConfigResponse: the tenant limits Logs Drilldown reads, with loupe's values
// (durations as Prometheus model.Duration text, e.g. "721h", "1m", "0s").
std::string DrilldownLimitsJson(const LokiQueryOptions& o) {
  auto dur = [](int64_t ns) { return nlohmann::json(ql::gocompat::FormatPromDuration(ns)); };
  nlohmann::json limits = {
      {"discover_log_levels", false},
      {"discover_service_name",
       {"service", "app", "application", "app_name", "name", "app_kubernetes_io_name", "container",
        "container_name", "k8s_container_name", "component", "workload", "job", "k8s_job_name"}},
      {"log_level_fields",
       {"level", "LEVEL", "Level", "severity", "SEVERITY", "Severity", "lvl", "LVL", "Lvl"}},
      {"max_entries_limit_per_query", o.max_entries_limit},
      {"max_line_size_truncate", false},
      {"max_query_bytes_read", "0B"},
      {"max_query_length", dur(o.max_query_length_ns)},
      {"max_query_lookback", "0s"},
      {"max_query_range", "0s"},
      {"max_query_series", o.max_series},
      {"metric_aggregation_enabled", false},
      {"pattern_persistence_enabled", false},
      {"query_timeout", dur(o.query_timeout_ns)},
      {"retention_period", dur(o.retention_ns)},
      {"volume_enabled", true},
      {"volume_max_series", 1000},
  };
  nlohmann::json out = {
      {"limits", limits}, {"pattern_ingester_enabled", true}, {"version", GetBuildInfo().version}};
  return out.dump() + "\n";
}

template <typename Fn>
void ForEachEntry(const ql::QueryResult& r, Fn&& fn) {
  for (const ql::Stream& s : r.streams) {
    for (const ql::StreamEntry& e : s.entries) fn(s.labels, e);
  }
}

}  // namespace

void RegisterDetected(http::Router& router, std::shared_ptr<Shared> shared) {
  const http::RouteOptions loki{http::ApiFamily::kLoki};

  router.Handle(
      {Method::kGet}, "/loki/api/v1/detected_fields",
      [shared](Request& r) {
        auto f = ParseFieldsRequest(r);
        if (!f.ok()) return LokiQueryError(f.status(), r);
        auto res = RunLogQuery(*shared, r, f->query, f->bounds, f->line_limit,
                               ql::Direction::kBackward, shared->options.max_entries_limit);
        if (!res.ok()) return LokiQueryError(res.status(), r);
        ql::FieldDetector detector(f->limit);
        ForEachEntry(*res, [&](const auto& labels, const ql::StreamEntry& e) {
          detector.Add(labels, e.line, e.metadata, e.parsed);
        });
        return Response::Json(200, FieldsJson(detector.Fields(), f->limit));
      },
      loki);

  router.Handle(
      {Method::kGet}, "/loki/api/v1/detected_field/{name}/values",
      [shared](Request& r) {
        auto f = ParseFieldsRequest(r);
        if (!f.ok()) return LokiQueryError(f.status(), r);
        auto res = RunLogQuery(*shared, r, f->query, f->bounds, f->line_limit,
                               ql::Direction::kBackward, shared->options.max_entries_limit);
        if (!res.ok()) return LokiQueryError(res.status(), r);
        ql::FieldValueCollector values(std::string(r.PathParam("name")), f->limit);
        ForEachEntry(*res, [&](const auto& labels, const ql::StreamEntry& e) {
          values.Add(labels, e.line, e.metadata, e.parsed);
        });
        std::string out = "{\"values\":[";
        const auto v = values.Values();
        for (size_t i = 0; i < v.size(); ++i) {
          if (i) out += ',';
          AppendLokiJsonString(out, v[i], false);
        }
        out += "],\"limit\":" + std::to_string(f->limit) + "}\n";
        return Response::Json(200, std::move(out));
      },
      loki);

  router.Handle(
      {Method::kGet}, "/loki/api/v1/drilldown-limits",
      [shared](Request&) { return Response::Json(200, DrilldownLimitsJson(shared->options)); },
      loki);

  router.Handle(
      {Method::kGet, Method::kPost}, "/loki/api/v1/patterns",
      [shared](Request& r) {
        auto b = ParseBounds(r);
        if (!b.ok()) return LokiQueryError(b.status(), r);
        if (b->end_ns < b->start_ns) {
          return LokiQueryError(
              Status::InvalidArgument("end timestamp must not be before or equal to start time"),
              r);
        }
        auto step = ParseStep(r, *b);
        if (!step.ok()) return LokiQueryError(step.status(), r);
        if (*step <= 0) {
          return LokiQueryError(Status::InvalidArgument("zero or negative query resolution step "
                                                        "widths are not accepted. Try a positive "
                                                        "integer"),
                                r);
        }
        const std::string query = r.params.GetOr("query", "");
        if (Status s = CheckLogQuery(query); !s.ok()) return LokiQueryError(s, r);
        auto res = RunLogQuery(*shared, r, query, *b, kMaxPatternLines, ql::Direction::kForward,
                               kMaxPatternLines);
        if (!res.ok()) return LokiQueryError(res.status(), r);
        ql::DrainOptions o;
        o.step_ns = *step;
        ql::Drain drain(o);
        // Lines in time order across streams, as a pattern ingester sees them.
        std::vector<std::pair<int64_t, const std::string*>> lines;
        ForEachEntry(*res, [&](const auto&, const ql::StreamEntry& e) {
          lines.emplace_back(e.ts, &e.line);
        });
        std::stable_sort(lines.begin(), lines.end(),
                         [](const auto& a, const auto& c) { return a.first < c.first; });
        for (const auto& [ts, line] : lines) drain.Train(*line, ts);
        std::string out = R"({"status":"success","data":[)";
        const auto patterns = drain.Patterns();
        for (size_t i = 0; i < patterns.size(); ++i) {
          if (i) out += ',';
          out += "{\"pattern\":";
          AppendLokiJsonString(out, patterns[i].pattern, true);
          out += ",\"samples\":[";
          for (size_t j = 0; j < patterns[i].samples.size(); ++j) {
            if (j) out += ',';
            const int64_t ns = patterns[i].samples[j].first;
            const int64_t secs = ns / 1'000'000'000 - ((ns % 1'000'000'000 < 0) ? 1 : 0);
            out += '[' + std::to_string(secs) + ',' +
                   std::to_string(patterns[i].samples[j].second) + ']';
          }
          out += "]}";
        }
        out += "]}\n";
        return Response::Json(200, std::move(out));
      },
      loki);
}

}  // namespace loupe::appliance::api::lokiq

#include "appliance/api/loki_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <deque>
#include <nlohmann/json.hpp>

#include "appliance/api/errors.h"
#include "appliance/api/loki_query_internal.h"
#include "appliance/api/params.h"
#include "appliance/api/prom_json.h"
#include "ingest/loki/otlp_logs.h"
#include "ingest/loki/push_decoder.h"
#include "ingest/otlp/otlp_json.h"
#include "ingest/otlp/otlp_proto.h"
#include "query/logql/syntax/parser.h"
#include "query/logql/syntax/printer.h"
#include "storage/base/compression.h"
#include "storage/base/units.h"

namespace loupe::appliance::api {

using http::ApiFamily;
using http::Method;
using http::Request;
using http::Response;
using storage::model::Matcher;
namespace logstore = storage::logstore;

namespace {

Response LokiError(const Status& s, const Request& r) { return ErrorResponse(ApiFamily::kLoki, s, &r); }

struct TimeRange {
  int64_t start_ns, end_ns;
};

// Loki's start/end/since: end defaults to now, start to end - since (default `default_since`).
Result<TimeRange> RangeParams(const Request& r, int64_t default_since_ns) {
  LOUPE_ASSIGN_OR_RETURN(lokiq::Bounds b, lokiq::ParseBounds(r, default_since_ns));
  if (b.end_ns < b.start_ns) {
    return Status::InvalidArgument("end timestamp must not be before or equal to start time");
  }
  return TimeRange{b.start_ns, b.end_ns};
}

Result<std::vector<Matcher>> SelectorParam(const Request& r, const char* name, bool required) {
  const auto* q = r.params.Get(name);
  if (!q || q->empty()) {
    if (required) return Status::InvalidArgument(std::string(name) + " parameter is required");
    return std::vector<Matcher>{};
  }
  return query::logql::ParseMatchers(*q, /*validate=*/true);
}

nlohmann::json LabelsJson(const storage::model::Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& l : labels) j[l.name] = l.value;
  return j;
}

constexpr int64_t kHour = 3600LL * 1'000'000'000;

// A sample time as Prometheus's model.Time writes it: seconds with at most three decimals, no
// ".0" for whole seconds.
nlohmann::json SampleTimeJson(int64_t ns) {
  const int64_t ms = ns / 1'000'000 - ((ns % 1'000'000 < 0) ? 1 : 0);
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

// Loki's detected-labels relevance rule (pkg/querier, shouldRejectLabel): a label is left out
// when it has no values or when every value is an ID (a number or a UUID), except that one or
// two values all "0"/"1" are booleans; cluster, namespace, instance and pod are always kept.
bool IsIdValue(const std::string& v) {
  if (!v.empty() && !std::isspace(static_cast<unsigned char>(v[0]))) {
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    if (end == v.c_str() + v.size()) return true;  // strconv.ParseFloat (approximately)
  }
  std::string_view u = v;
  if (u.size() == 45 && u.substr(0, 9) == "urn:uuid:") u.remove_prefix(9);
  if (u.size() == 38 && u.front() == '{' && u.back() == '}') u = u.substr(1, 36);
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (u.size() == 32) return std::all_of(u.begin(), u.end(), hex);
  if (u.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? u[i] != '-' : !hex(u[i])) return false;
  }
  return true;
}

bool KeepDetectedLabel(const std::string& name, const std::set<std::string>& values) {
  static const std::set<std::string> kStatic = {"cluster", "namespace", "instance", "pod"};
  if (values.empty()) return false;
  if (kStatic.count(name)) return true;
  if (values.size() <= 2 &&
      std::all_of(values.begin(), values.end(), [](const auto& v) { return v == "0" || v == "1"; })) {
    return true;
  }
  return !std::all_of(values.begin(), values.end(), IsIdValue);
}

std::string JoinRejects(const logstore::PushStats& st) {
  std::string msg;
  size_t shown = 0;
  for (const auto& rj : st.rejects) {
    if (shown == 10) break;
    if (!msg.empty()) msg += "\n";
    msg += rj.message;
    ++shown;
  }
  if (st.rejects.size() > shown) msg += "\n(and " + std::to_string(st.rejects.size() - shown) + " more)";
  return msg;
}

}  // namespace

void RegisterLokiApi(http::Router& router, logstore::LogStore& store, selfmon::Registry& metrics) {
  const http::RouteOptions loki{ApiFamily::kLoki};
  auto& pushed = metrics.CounterFamily("loupe_loki_push_entries_total", "Log entries pushed, by outcome.", {"outcome"});
  auto* accepted = &pushed.With({"accepted"});
  auto* rejected = &pushed.With({"rejected"});

  auto commit = [accepted, rejected](logstore::LogStore::Appender& app, const Request& r) {
    auto st = app.Commit();
    if (!st.ok()) {
      spdlog::error("log push: {}", st.status().message());
      return LokiError(Status::Internal(st.status().message()), r);
    }
    accepted->Add(static_cast<double>(st->entries_accepted));
    rejected->Add(static_cast<double>(st->num_rejected()));
    if (st->num_rejected() > 0) {
      const Status s = st->rate_limited() ? Status::ResourceExhausted(JoinRejects(*st))
                                          : Status::InvalidArgument(JoinRejects(*st));
      return LokiError(s, r);
    }
    return Response::NoContent();
  };

  auto push = [&store, commit](Request& r) {
    const auto ct = r.Header("content-type");
    ingest::loki::PushDecoder decoder;
    ingest::loki::PushDecodeStats stats;
    auto app = store.NewAppender(r.Tenant());
    Status s;
    std::string decoded;
    if (ct.find("application/json") != std::string_view::npos) {
      s = decoder.DecodeJson(r.body, app.get(), &stats);
    } else if (ct.empty() || ct.find("application/x-protobuf") != std::string_view::npos) {
      // Loki's protobuf bodies are snappy block-compressed (not a Content-Encoding).
      s = Decompress(Codec::kSnappy, r.body, 64u << 20, &decoded);
      if (!s.ok()) return LokiError(s.code() == StatusCode::kTooLarge ? s : Status::InvalidArgument(s.message()), r);
      s = decoder.DecodeProto(decoded, app.get(), &stats);
    } else {
      return LokiError(Status::Unsupported("unsupported Content-Type \"" + std::string(ct) + "\""), r);
    }
    if (!s.ok()) return LokiError(s, r);
    return commit(*app, r);
  };
  router.Handle({Method::kPost}, "/loki/api/v1/push", push, loki);
  router.Handle({Method::kPost}, "/api/prom/push", push, loki);

  auto otlp = [&store, commit](Request& r) {
    namespace collogs = ::opentelemetry::proto::collector::logs::v1;
    const auto ct = r.Header("content-type");
    collogs::ExportLogsServiceRequest req;
    Status s;
    const bool json = ct.find("application/json") != std::string_view::npos;
    if (json) {
      s = ingest::otlp::DecodeLogsJson(r.body, &req);
    } else if (ct.find("application/x-protobuf") != std::string_view::npos ||
               ct.find("application/protobuf") != std::string_view::npos) {
      s = ingest::otlp::DecodeLogsProto(r.body, &req);
    } else {
      return ErrorResponse(ApiFamily::kOtlp, Status::Unsupported("content type: " + std::string(ct) + " is not supported"), &r);
    }
    if (!s.ok()) return ErrorResponse(ApiFamily::kOtlp, Status::InvalidArgument(s.message()), &r);
    std::deque<std::string> arena;
    auto app = store.NewAppender(r.Tenant());
    ingest::loki::OtlpLogsStats stats;
    ingest::loki::OtlpLogsToStore(req, app.get(), &arena, &stats);
    auto st = app->Commit();
    if (!st.ok()) return ErrorResponse(ApiFamily::kOtlp, Status::Unavailable(st.status().message()), &r);
    collogs::ExportLogsServiceResponse resp;
    if (st->num_rejected() > 0) {
      resp.mutable_partial_success()->set_rejected_log_records(static_cast<int64_t>(st->num_rejected()));
      resp.mutable_partial_success()->set_error_message(JoinRejects(*st));
    }
    (void)commit;
    if (json) return Response::Json(200, ingest::otlp::EncodeLogsResponseJson(resp));
    Response out;
    out.content_type = "application/x-protobuf";
    out.body = resp.SerializeAsString();
    return out;
  };
  router.Handle({Method::kPost}, "/otlp/v1/logs", otlp, http::RouteOptions{ApiFamily::kOtlp});
  router.Handle({Method::kPost}, "/v1/logs", otlp, http::RouteOptions{ApiFamily::kOtlp});

  router.Handle({Method::kGet, Method::kPost}, "/loki/api/v1/labels", [&store](Request& r) {
    auto tr = RangeParams(r, 6 * kHour);
    if (!tr.ok()) return LokiError(tr.status(), r);
    auto m = SelectorParam(r, "query", false);
    if (!m.ok()) return LokiError(m.status(), r);
    std::vector<std::vector<Matcher>> sel;
    if (!m->empty()) sel.push_back(std::move(*m));
    auto names = store.LabelNames(r.Tenant(), sel, tr->start_ns, tr->end_ns);
    if (!names.ok()) return LokiError(names.status(), r);
    return PromSuccess(*names);
  }, loki);

  router.Handle({Method::kGet, Method::kPost}, "/loki/api/v1/label/{name}/values", [&store](Request& r) {
    auto tr = RangeParams(r, 6 * kHour);
    if (!tr.ok()) return LokiError(tr.status(), r);
    auto m = SelectorParam(r, "query", false);
    if (!m.ok()) return LokiError(m.status(), r);
    std::vector<std::vector<Matcher>> sel;
    if (!m->empty()) sel.push_back(std::move(*m));
    auto values = store.LabelValues(r.Tenant(), r.PathParam("name"), sel, tr->start_ns, tr->end_ns);
    if (!values.ok()) return LokiError(values.status(), r);
    return PromSuccess(*values);
  }, loki);

  router.Handle({Method::kGet, Method::kPost}, "/loki/api/v1/series", [&store](Request& r) {
    auto tr = RangeParams(r, 6 * kHour);
    if (!tr.ok()) return LokiError(tr.status(), r);
    // Loki's ParseSeriesQuery: `match` and `match[]` both count (deduplicated); a single `{}`
    // means every series.
    std::set<std::string> groups;
    for (const char* key : {"match", "match[]"}) {
      for (auto& q : r.params.GetAll(key)) groups.insert(std::move(q));
    }
    if (groups.size() == 1) {
      std::string g = *groups.begin();
      std::erase(g, ' ');
      if (g == "{}") groups.clear();
    }
    std::vector<std::vector<Matcher>> sel;
    for (const auto& q : groups) {
      auto m = query::logql::ParseMatchers(q, false);
      if (!m.ok()) return LokiError(m.status(), r);
      sel.push_back(std::move(*m));
    }
    auto series = store.Series(r.Tenant(), sel, tr->start_ns, tr->end_ns);
    if (!series.ok()) return LokiError(series.status(), r);
    nlohmann::json data = nlohmann::json::array();
    for (const auto& s : *series) data.push_back(LabelsJson(s));
    return PromSuccess(data);
  }, loki);

  router.Handle({Method::kGet, Method::kPost}, "/loki/api/v1/index/stats", [&store](Request& r) {
    auto tr = RangeParams(r, kHour);
    if (!tr.ok()) return LokiError(tr.status(), r);
    auto m = SelectorParam(r, "query", true);
    if (!m.ok()) return LokiError(m.status(), r);
    auto st = store.Stats(r.Tenant(), *m, tr->start_ns, tr->end_ns);
    if (!st.ok()) return LokiError(st.status(), r);
    nlohmann::json j = {{"streams", st->streams}, {"chunks", st->chunks}, {"entries", st->entries}, {"bytes", st->bytes}};
    return Response::Json(200, j.dump());
  }, loki);

  auto volume = [&store](Request& r, bool range) {
    auto tr = RangeParams(r, kHour);
    if (!tr.ok()) return LokiError(tr.status(), r);
    auto m = SelectorParam(r, "query", true);
    if (!m.ok()) return LokiError(m.status(), r);
    std::vector<std::string> targets;
    if (const auto* t = r.params.Get("targetLabels"); t && !t->empty()) {
      size_t p = 0;
      while (p <= t->size()) {
        const auto c = t->find(',', p);
        const std::string part = t->substr(p, c == std::string::npos ? std::string::npos : c - p);
        if (!part.empty()) targets.push_back(part);
        if (c == std::string::npos) break;
        p = c + 1;
      }
    }
    const std::string agg = r.params.GetOr("aggregateBy", "series");
    if (agg != "series" && agg != "labels") return LokiError(Status::InvalidArgument("invalid aggregateBy: " + agg), r);
    const auto mode = agg == "labels" ? logstore::VolumeAggregation::kLabels : logstore::VolumeAggregation::kSeries;
    auto limit = IntParam(r, "limit", 100);
    if (!limit.ok()) return LokiError(limit.status(), r);
    auto metric_of = [&](const logstore::VolumeEntry& e) {
      if (mode == logstore::VolumeAggregation::kLabels) return nlohmann::json({{e.label_name, ""}});
      return LabelsJson(e.labels);
    };
    if (!range) {
      auto v = store.Volume(r.Tenant(), *m, tr->start_ns, tr->end_ns, targets, mode, static_cast<size_t>(*limit));
      if (!v.ok()) return LokiError(v.status(), r);
      nlohmann::json result = nlohmann::json::array();
      const nlohmann::json t = SampleTimeJson(tr->end_ns);
      for (const auto& e : *v) result.push_back({{"metric", metric_of(e)}, {"value", {t, std::to_string(e.bytes)}}});
      return PromSuccess({{"resultType", "vector"}, {"result", result}});
    }
    int64_t step = 0;
    if (const auto* s = r.params.Get("step"); s && !s->empty()) {
      auto ms = ParsePromDurationMs(*s);
      if (!ms.ok()) return LokiError(Status::InvalidArgument("invalid step: " + ms.status().message()), r);
      step = *ms * 1'000'000;
    } else {
      step = std::max<int64_t>(1'000'000'000, (tr->end_ns - tr->start_ns) / 250);  // Loki's default resolution
    }
    if (step <= 0) return LokiError(Status::InvalidArgument("zero or negative query resolution step widths are not accepted"), r);
    std::map<std::string, std::pair<nlohmann::json, nlohmann::json>> series;
    for (int64_t t = tr->start_ns; t <= tr->end_ns; t += step) {
      auto v = store.Volume(r.Tenant(), *m, t - step, t, targets, mode, static_cast<size_t>(*limit));
      if (!v.ok()) return LokiError(v.status(), r);
      for (const auto& e : *v) {
        auto metric = metric_of(e);
        auto& slot = series[metric.dump()];
        if (slot.first.is_null()) {
          slot.first = metric;
          slot.second = nlohmann::json::array();
        }
        slot.second.push_back({SampleTimeJson(t), std::to_string(e.bytes)});
      }
    }
    nlohmann::json result = nlohmann::json::array();
    for (auto& [k, v] : series) result.push_back({{"metric", v.first}, {"values", v.second}});
    return PromSuccess({{"resultType", "matrix"}, {"result", result}});
  };
  router.Handle({Method::kGet, Method::kPost}, "/loki/api/v1/index/volume", [volume](Request& r) { return volume(r, false); }, loki);
  router.Handle({Method::kGet, Method::kPost}, "/loki/api/v1/index/volume_range", [volume](Request& r) { return volume(r, true); }, loki);

  router.Handle({Method::kGet}, "/loki/api/v1/detected_labels", [&store](Request& r) {
    auto tr = RangeParams(r, kHour);
    if (!tr.ok()) return LokiError(tr.status(), r);
    std::vector<Matcher> m;
    if (const auto* q = r.params.Get("query"); q && !q->empty()) {
      auto parsed = query::logql::ParseMatchers(*q, false);
      if (!parsed.ok()) return LokiError(Status::InvalidArgument("only label matchers are supported"), r);
      m = std::move(*parsed);
    }
    std::vector<std::vector<Matcher>> sel;
    if (!m.empty()) sel.push_back(m);
    auto series = store.Series(r.Tenant(), sel, tr->start_ns, tr->end_ns);
    if (!series.ok()) return LokiError(series.status(), r);
    std::map<std::string, std::set<std::string>> values;
    for (const auto& s : *series) {
      for (const auto& l : s) values[l.name].insert(l.value);
    }
    // Fields in the proto's order (label, cardinality), as Loki writes them.
    std::string out = "{\"detectedLabels\":[";
    bool first = true;
    for (const auto& [name, vs] : values) {
      if (!KeepDetectedLabel(name, vs)) continue;
      if (!first) out += ',';
      first = false;
      out += "{\"label\":" + nlohmann::json(name).dump() +
             ",\"cardinality\":" + std::to_string(vs.size()) + "}";
    }
    out += "]}";
    return Response::Json(200, std::move(out));
  }, loki);

  router.Handle({Method::kGet, Method::kPost}, "/loki/api/v1/format_query", [](Request& r) {
    const auto* q = r.params.Get("query");
    if (!q) return LokiError(Status::InvalidArgument("query parameter is required"), r);
    auto expr = query::logql::ParseExpr(*q);
    if (!expr.ok()) return LokiError(expr.status(), r);
    return PromSuccess(query::logql::Pretty(**expr));
  }, loki);
}

}  // namespace loupe::appliance::api

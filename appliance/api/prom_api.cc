#include "appliance/api/prom_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <nlohmann/json.hpp>

#include "appliance/api/errors.h"
#include "appliance/api/params.h"
#include "appliance/api/prom_json.h"
#include "appliance/api/promql_ast_json.h"
#include "query/promql/syntax/printer.h"
#include "appliance/selfmon/metrics_registry.h"
#include "query/promql/syntax/parser.h"
#include "prompb/remote.pb.h"
#include "storage/base/compression.h"

namespace loupe::appliance::api {

using http::ApiFamily;
using http::Method;
using http::Request;
using http::Response;
using storage::model::Matcher;

namespace {

Response PromError(const Status& s, const Request& r) { return ErrorResponse(ApiFamily::kPrometheus, s, &r); }

// Parses every match[] parameter; `required` errors like Prometheus when none is given.
Result<std::vector<std::vector<Matcher>>> MatchParams(const Request& r, bool required) {
  std::vector<std::vector<Matcher>> out;
  for (const auto& m : r.params.GetAll("match[]")) {
    auto sel = query::promql::ParseMetricSelector(m);
    if (!sel.ok()) return Status::InvalidArgument(sel.status().message());
    if (std::all_of(sel->begin(), sel->end(), [](const Matcher& x) { return x.MatchesEmpty(); })) {
      return Status::InvalidArgument("match[] must contain at least one non-empty matcher");
    }
    out.push_back(std::move(*sel));
  }
  if (required && out.empty()) return Status::InvalidArgument("no match[] parameter provided");
  return out;
}

nlohmann::json LabelsJson(const storage::model::Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& l : labels) j[l.name] = l.value;
  return j;
}

// Prometheus 3 escapes UTF-8 label names in this path as U__ plus _<hex>_ for other bytes.
std::string UnescapeLabelName(std::string_view name) {
  if (name.substr(0, 3) != "U__") return std::string(name);
  std::string out;
  for (size_t i = 3; i < name.size(); ++i) {
    if (name[i] == '_' && i + 1 < name.size() && name[i + 1] == '_') {
      out += '_';
      ++i;
    } else if (name[i] == '_') {
      const auto close = name.find('_', i + 1);
      if (close == std::string_view::npos) return std::string(name);
      const std::string hex(name.substr(i + 1, close - i - 1));
      char* end = nullptr;
      const unsigned long cp = std::strtoul(hex.c_str(), &end, 16);
      if (hex.empty() || *end != '\0') return std::string(name);
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      }
      i = close;
    } else {
      out += name[i];
    }
  }
  return out;
}

struct TimeRange {
  int64_t start, end;
};
Result<TimeRange> RangeParams(const Request& r) {
  TimeRange tr;
  LOUPE_ASSIGN_OR_RETURN(tr.start, PromTimeParam(r, "start", kPromMinTimeMs));
  LOUPE_ASSIGN_OR_RETURN(tr.end, PromTimeParam(r, "end", kPromMaxTimeMs));
  if (tr.end < tr.start) return InvalidParam("end", Status::InvalidArgument("end timestamp must not be before start time"));
  return tr;
}

}  // namespace

void RegisterPromApi(http::Router& router, storage::tsdb::MetricStore& store, selfmon::Registry& metrics,
                     PromApiOptions options) {
  const http::RouteOptions prom{ApiFamily::kPrometheus};
  auto& written = metrics.CounterFamily("loupe_remote_write_samples_total",
                                        "Samples received by remote write, by outcome.", {"outcome"});
  auto& requests = metrics.CounterFamily("loupe_remote_write_requests_total",
                                         "Remote write requests, by HTTP status code.", {"code"});
  auto* accepted = &written.With({"appended"});
  auto* rejected = &written.With({"rejected"});
  auto* resent = &written.With({"resent"});
  auto* histograms = &written.With({"histogram_dropped"});

  // Remote write: errors are plain text (http.Error in Prometheus), 204 on success.
  router.Handle({Method::kPost}, "/api/v1/write", [&store, &requests, accepted, rejected, resent, histograms,
                                                   limits = options.write_limits](Request& r) {
    auto finish = [&requests](Response resp) {
      requests.With({std::to_string(resp.status)}).Inc();
      return resp;
    };
    // Content-Type negotiation of the remote-write 2.0 spec: no proto parameter (or
    // proto=prometheus.WriteRequest) is 1.0, proto=io.prometheus.write.v2.Request is 2.0.
    const std::string ctype(r.Header("content-type"));
    bool v2 = false;
    if (!ctype.empty()) {
      if (ctype.find("application/x-protobuf") != 0) {
        return finish(ErrorResponse(ApiFamily::kPlain, Status::Unsupported("unsupported Content-Type " + ctype), &r));
      }
      const auto p = ctype.find("proto=");
      if (p != std::string::npos) {
        std::string proto = ctype.substr(p + 6);
        proto = proto.substr(0, proto.find(';'));
        while (!proto.empty() && (proto.back() == ' ' || proto.back() == '"')) proto.pop_back();
        while (!proto.empty() && proto.front() == '"') proto.erase(proto.begin());
        if (proto == "io.prometheus.write.v2.Request") {
          v2 = true;
        } else if (proto != "prometheus.WriteRequest") {
          return finish(ErrorResponse(ApiFamily::kPlain,
                                      Status::Unsupported("unknown remote write proto type \"" + proto + "\""), &r));
        }
      }
    }
    // The body is snappy block-compressed protobuf with Content-Encoding: snappy, which the
    // dispatcher already undid under the body cap. Like Prometheus we also take a snappy body
    // sent without the header.
    std::string decoded;
    std::string_view proto = r.body;
    if (r.Header("content-encoding").empty()) {
      Status s = Decompress(Codec::kSnappy, r.body, limits.max_decoded_bytes, &decoded);
      if (!s.ok()) {
        return finish(ErrorResponse(ApiFamily::kPlain,
                                    s.code() == StatusCode::kTooLarge ? s : Status::InvalidArgument(s.message()), &r));
      }
      proto = decoded;
    }
    ingest::prom::RemoteWriteResult res;
    auto app = store.NewAppender(r.Tenant());
    Status s = v2 ? ingest::prom::DecodeWriteRequestV2(proto, limits, app.get(), &res)
                  : ingest::prom::DecodeWriteRequest(proto, limits, app.get(), &res);
    // Remote write 2.0 receivers report what they wrote, on success and on error alike.
    auto written = [v2](Response resp, uint64_t samples, uint64_t exemplars) {
      if (v2) {
        resp.headers.emplace_back("X-Prometheus-Remote-Write-Samples-Written", std::to_string(samples));
        resp.headers.emplace_back("X-Prometheus-Remote-Write-Histograms-Written", "0");
        resp.headers.emplace_back("X-Prometheus-Remote-Write-Exemplars-Written", std::to_string(exemplars));
      }
      return resp;
    };
    if (!s.ok()) return finish(written(ErrorResponse(ApiFamily::kPlain, s, &r), 0, 0));
    auto committed = app->Commit();
    if (!committed.ok()) {
      spdlog::error("remote write: {}", committed.status().message());
      return finish(ErrorResponse(ApiFamily::kPlain, Status::Internal(committed.status().message()), &r));
    }
    accepted->Add(static_cast<double>(committed->samples_appended));
    rejected->Add(static_cast<double>(committed->rejected()));
    resent->Add(static_cast<double>(committed->samples_resent));
    histograms->Add(static_cast<double>(res.histograms_dropped));
    if (committed->rejected() > 0) {
      return finish(written(ErrorResponse(ApiFamily::kPlain, Status::InvalidArgument(committed->first_error), &r),
                            committed->samples_appended, committed->exemplars_appended));
    }
    return finish(written(Response::NoContent(), committed->samples_appended, committed->exemplars_appended));
  }, http::RouteOptions{ApiFamily::kPlain});

  router.Handle({Method::kGet, Method::kPost}, "/api/v1/series", [&store](Request& r) {
    auto matchers = MatchParams(r, /*required=*/true);
    if (!matchers.ok()) return PromError(matchers.status(), r);
    auto tr = RangeParams(r);
    if (!tr.ok()) return PromError(tr.status(), r);
    auto limit = IntParam(r, "limit", 0);
    if (!limit.ok()) return PromError(limit.status(), r);
    auto series = store.Series(r.Tenant(), *matchers, tr->start, tr->end, *limit > 0 ? *limit + 1 : 0);
    if (!series.ok()) return PromError(series.status(), r);
    std::vector<std::string> warnings;
    if (*limit > 0 && series->size() > static_cast<size_t>(*limit)) {
      series->resize(*limit);
      warnings.push_back("results truncated due to limit");
    }
    nlohmann::json data = nlohmann::json::array();
    for (const auto& s : *series) data.push_back(LabelsJson(s));
    return PromSuccess(data, warnings);
  }, prom);

  router.Handle({Method::kGet, Method::kPost}, "/api/v1/labels", [&store](Request& r) {
    auto matchers = MatchParams(r, false);
    if (!matchers.ok()) return PromError(matchers.status(), r);
    auto tr = RangeParams(r);
    if (!tr.ok()) return PromError(tr.status(), r);
    auto limit = IntParam(r, "limit", 0);
    if (!limit.ok()) return PromError(limit.status(), r);
    auto names = store.LabelNames(r.Tenant(), *matchers, tr->start, tr->end);
    if (!names.ok()) return PromError(names.status(), r);
    std::vector<std::string> warnings;
    if (*limit > 0 && names->size() > static_cast<size_t>(*limit)) {
      names->resize(*limit);
      warnings.push_back("results truncated due to limit");
    }
    return PromSuccess(*names, warnings);
  }, prom);

  router.Handle({Method::kGet}, "/api/v1/label/{name}/values", [&store](Request& r) {
    const std::string name = UnescapeLabelName(r.PathParam("name"));
    if (name.empty()) return PromError(Status::InvalidArgument("invalid label name: \"\""), r);
    auto matchers = MatchParams(r, false);
    if (!matchers.ok()) return PromError(matchers.status(), r);
    auto tr = RangeParams(r);
    if (!tr.ok()) return PromError(tr.status(), r);
    auto limit = IntParam(r, "limit", 0);
    if (!limit.ok()) return PromError(limit.status(), r);
    auto values = store.LabelValues(r.Tenant(), name, *matchers, tr->start, tr->end);
    if (!values.ok()) return PromError(values.status(), r);
    std::vector<std::string> warnings;
    if (*limit > 0 && values->size() > static_cast<size_t>(*limit)) {
      values->resize(*limit);
      warnings.push_back("results truncated due to limit");
    }
    return PromSuccess(*values, warnings);
  }, prom);

  router.Handle({Method::kGet}, "/api/v1/metadata", [&store](Request& r) {
    auto limit = IntParam(r, "limit", -1);
    if (!limit.ok()) {
      // Prometheus accepts negative limits as "no limit".
      const auto* v = r.params.Get("limit");
      if (!v || std::strtoll(v->c_str(), nullptr, 10) >= 0) return PromError(limit.status(), r);
      limit = -1;
    }
    auto per_metric = IntParam(r, "limit_per_metric", -1);
    if (!per_metric.ok()) per_metric = -1;
    const std::string metric = r.params.GetOr("metric", "");
    nlohmann::json data = nlohmann::json::object();
    int64_t n = 0;
    for (const auto& [family, md] : store.Metadata(r.Tenant())) {
      if (!metric.empty() && family != metric) continue;
      if (*limit >= 0 && n >= *limit) break;
      if (*per_metric == 0) continue;
      data[family] = nlohmann::json::array({{{"type", storage::model::MetricTypeName(md.type)}, {"help", md.help}, {"unit", md.unit}}});
      ++n;
    }
    return PromSuccess(data);
  }, prom);

  router.Handle({Method::kGet}, "/api/v1/status/tsdb", [&store](Request& r) {
    auto limit = IntParam(r, "limit", 10);
    if (!limit.ok()) return PromError(limit.status(), r);
    if (*limit == 0) return PromError(InvalidParam("limit", Status::InvalidArgument("limit must be a positive number")), r);
    const auto st = store.GetTsdbStatus(r.Tenant(), static_cast<size_t>(*limit));
    auto pairs = [](const std::vector<std::pair<std::string, uint64_t>>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& [k, n] : v) a.push_back({{"name", k}, {"value", n}});
      return a;
    };
    nlohmann::json data = {
        {"headStats", {{"numSeries", st.num_series}, {"numLabelPairs", st.cardinality.num_label_pairs},
                       {"chunkCount", st.cardinality.chunks}, {"minTime", st.min_time}, {"maxTime", st.max_time}}},
        {"seriesCountByMetricName", pairs(st.cardinality.series_by_metric)},
        {"labelValueCountByLabelName", pairs(st.cardinality.values_by_label)},
        {"memoryInBytesByLabelName", pairs(st.cardinality.bytes_by_label)},
        {"seriesCountByLabelValuePair", pairs(st.cardinality.series_by_label_pair)}};
    return PromSuccess(data);
  }, prom);

  router.Handle({Method::kGet, Method::kPost}, "/api/v1/format_query", [](Request& r) {
    const auto* q = r.params.Get("query");
    if (!q) return PromError(InvalidParam("query", Status::InvalidArgument("missing query")), r);
    auto expr = query::promql::ParseExpr(*q);
    if (!expr.ok()) return PromError(InvalidParam("query", expr.status()), r);
    return PromSuccess(query::promql::Pretty(**expr));
  }, prom);

  router.Handle({Method::kGet, Method::kPost}, "/api/v1/parse_query", [](Request& r) {
    const auto* q = r.params.Get("query");
    if (!q) return PromError(InvalidParam("query", Status::InvalidArgument("missing query")), r);
    auto expr = query::promql::ParseExpr(*q);
    if (!expr.ok()) return PromError(InvalidParam("query", expr.status()), r);
    return PromSuccess(PromqlAstJson(**expr));
  }, prom);

  router.Handle({Method::kGet, Method::kPost}, "/api/v1/query_exemplars", [&store](Request& r) {
    const auto* q = r.params.Get("query");
    if (!q) return PromError(InvalidParam("query", Status::InvalidArgument("missing query")), r);
    auto tr = RangeParams(r);
    if (!tr.ok()) return PromError(tr.status(), r);
    auto expr = query::promql::ParseExpr(*q);
    if (!expr.ok()) return PromError(InvalidParam("query", expr.status()), r);
    std::vector<const query::promql::VectorSelector*> selectors;
    CollectSelectors(**expr, &selectors);
    nlohmann::json data = nlohmann::json::array();
    std::set<storage::model::Labels> seen;
    for (const auto* sel : selectors) {
      auto ex = store.Exemplars(r.Tenant(), sel->matchers, tr->start, tr->end);
      if (!ex.ok()) return PromError(ex.status(), r);
      for (const auto& se : *ex) {
        if (!seen.insert(se.labels).second) continue;
        nlohmann::json list = nlohmann::json::array();
        for (const auto& e : se.exemplars) {
          list.push_back({{"labels", LabelsJson(e.labels)}, {"value", selfmon::FormatValue(e.value)},
                          {"timestamp", static_cast<double>(e.t) / 1000.0}});
        }
        data.push_back({{"seriesLabels", LabelsJson(se.labels)}, {"exemplars", list}});
      }
    }
    return PromSuccess(data);
  }, prom);

  // No recording or alerting rules yet: Grafana's alerting UI asks anyway.
  router.Handle({Method::kGet}, "/api/v1/rules", [](Request&) {
    return PromSuccess({{"groups", nlohmann::json::array()}});
  }, prom);
  router.Handle({Method::kGet}, "/api/v1/alerts", [](Request&) {
    return PromSuccess({{"alerts", nlohmann::json::array()}});
  }, prom);
  router.Handle({Method::kGet}, "/api/v1/status/flags", [](Request&) {
    return PromSuccess(nlohmann::json::object());
  }, prom);

  router.Handle({Method::kGet}, "/api/v1/targets", [targets = options.targets](Request& r) {
    if (targets) return PromSuccess(targets(r));
    return PromSuccess({{"activeTargets", nlohmann::json::array()}, {"droppedTargets", nlohmann::json::array()},
                        {"droppedTargetCounts", nlohmann::json::object()}});
  }, prom);

  // Remote read (SAMPLES response type): raw samples of every matching series, as Prometheus
  // answers it; the way to read loupe's data back sample for sample with Prometheus's own tools.
  router.Handle({Method::kPost}, "/api/v1/read", [&store, limits = options.write_limits](Request& r) {
    std::string decoded;
    std::string_view body = r.body;
    if (r.Header("content-encoding").empty()) {
      Status s = Decompress(Codec::kSnappy, r.body, limits.max_decoded_bytes, &decoded);
      if (!s.ok()) return ErrorResponse(ApiFamily::kPlain, Status::InvalidArgument(s.message()), &r);
      body = decoded;
    }
    prometheus::ReadRequest req;
    if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return ErrorResponse(ApiFamily::kPlain, Status::InvalidArgument("proto: cannot parse ReadRequest"), &r);
    }
    prometheus::ReadResponse resp;
    std::vector<storage::model::Sample> samples;
    for (const auto& q : req.queries()) {
      std::vector<Matcher> matchers;
      for (const auto& m : q.matchers()) {
        static constexpr storage::model::MatchType kTypes[] = {
            storage::model::MatchType::kEqual, storage::model::MatchType::kNotEqual,
            storage::model::MatchType::kRegexMatch, storage::model::MatchType::kRegexNoMatch};
        if (m.type() < 0 || m.type() > 3) return ErrorResponse(ApiFamily::kPlain, Status::InvalidArgument("invalid matcher type"), &r);
        auto mm = Matcher::Create(kTypes[m.type()], m.name(), m.value());
        if (!mm.ok()) return ErrorResponse(ApiFamily::kPlain, mm.status(), &r);
        matchers.push_back(std::move(*mm));
      }
      auto series = store.Select(r.Tenant(), matchers, q.start_timestamp_ms(), q.end_timestamp_ms(), true);
      if (!series.ok()) return ErrorResponse(ApiFamily::kPlain, series.status(), &r);
      auto* result = resp.add_results();
      for (const auto& s : *series) {
        storage::tsdb::DecodeChunks(s.chunks, q.start_timestamp_ms(), q.end_timestamp_ms(), &samples);
        if (samples.empty()) continue;
        auto* ts = result->add_timeseries();
        for (const auto& l : s.labels) {
          auto* lp = ts->add_labels();
          lp->set_name(l.name);
          lp->set_value(l.value);
        }
        for (const auto& smp : samples) {
          auto* sp = ts->add_samples();
          sp->set_timestamp(smp.t);
          sp->set_value(smp.v);
        }
      }
    }
    Response out;
    out.status = 200;
    out.content_type = "application/x-protobuf";
    out.headers.emplace_back("Content-Encoding", "snappy");
    (void)Compress(Codec::kSnappy, resp.SerializeAsString(), &out.body);
    return out;
  }, http::RouteOptions{ApiFamily::kPlain});

  // Federation: the latest sample of every matching series within the lookback, as text.
  router.Handle({Method::kGet}, "/federate", [&store, lookback = options.lookback_ms](Request& r) {
    auto matchers = MatchParams(r, true);
    if (!matchers.ok()) return ErrorResponse(ApiFamily::kPlain, matchers.status(), &r);
    const int64_t now = Clock::Real().NowMillis();
    std::map<storage::model::Labels, storage::model::Sample> latest;
    for (const auto& sel : *matchers) {
      auto series = store.Select(r.Tenant(), sel, now - lookback, now, true);
      if (!series.ok()) return ErrorResponse(ApiFamily::kPlain, series.status(), &r);
      std::vector<storage::model::Sample> samples;
      for (const auto& s : *series) {
        storage::tsdb::DecodeChunks(s.chunks, now - lookback, now, &samples);
        if (samples.empty() || storage::model::IsStaleNaN(samples.back().v)) continue;
        latest[s.labels] = samples.back();
      }
    }
    std::string body;
    std::string current;
    for (const auto& [labels, sample] : latest) {
      const std::string name(labels.MetricName());
      if (name != current) {
        body += "# TYPE " + name + " untyped\n";
        current = name;
      }
      body += labels.ToString();
      body += ' ';
      body += selfmon::FormatValue(sample.v);
      body += ' ';
      body += std::to_string(sample.t);
      body += '\n';
    }
    Response resp = Response::Text(200, std::move(body));
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return resp;
  }, http::RouteOptions{ApiFamily::kPlain});
}

}  // namespace loupe::appliance::api

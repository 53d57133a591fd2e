// Tempo's JSON for search and metrics responses (proto3 JSON mapping of tempopb: camelCase,
// 64-bit integers as strings, zero values omitted).
#include <cmath>
#include <nlohmann/json.hpp>

#include "query/traceql/eval/engine.h"

namespace loupe::query::traceql {
namespace {

using nlohmann::json;

// OTLP AnyValue JSON for a TraceQL value: durations, status and kind as strings (Tempo's
// Static.AsAnyValue), ints as decimal strings.
json AnyValue(const TypedValue& v) {
  switch (v.type) {
    case TypedValue::Type::kInt:
      return json{{"intValue", std::to_string(v.i)}};
    case TypedValue::Type::kFloat:
      if (std::isnan(v.f)) return json{{"doubleValue", "NaN"}};
      if (std::isinf(v.f)) return json{{"doubleValue", v.f > 0 ? "Infinity" : "-Infinity"}};
      return json{{"doubleValue", v.f}};
    case TypedValue::Type::kBool:
      return json{{"boolValue", v.i != 0}};
    case TypedValue::Type::kString:
      return json{{"stringValue", v.s}};
    default:
      return json{{"stringValue", TypedValueString(v)}};
  }
}

json KeyValues(const std::vector<KeyValue>& kvs) {
  json arr = json::array();
  for (const auto& kv : kvs) arr.push_back(json{{"key", kv.key}, {"value", AnyValue(kv.value)}});
  return arr;
}

json Metrics(const SearchMetrics& m) {
  json j = json::object();
  if (m.inspected_traces) j["inspectedTraces"] = m.inspected_traces;
  if (m.inspected_bytes) j["inspectedBytes"] = std::to_string(m.inspected_bytes);
  if (m.inspected_spans) j["inspectedSpans"] = std::to_string(m.inspected_spans);
  if (m.total_blocks) j["totalBlocks"] = m.total_blocks;
  if (m.completed_jobs) j["completedJobs"] = m.completed_jobs;
  if (m.total_jobs) j["totalJobs"] = m.total_jobs;
  if (m.total_block_bytes) j["totalBlockBytes"] = std::to_string(m.total_block_bytes);
  return j;
}

json Spanset(const SpansetResult& s) {
  json j = json::object();
  json spans = json::array();
  for (const auto& sp : s.spans) {
    json o;
    o["spanID"] = sp.span_id;
    if (!sp.name.empty()) o["name"] = sp.name;
    o["startTimeUnixNano"] = std::to_string(sp.start_ns);
    o["durationNanos"] = std::to_string(sp.duration_ns);
    if (!sp.attributes.empty()) o["attributes"] = KeyValues(sp.attributes);
    spans.push_back(std::move(o));
  }
  j["spans"] = std::move(spans);
  j["matched"] = s.matched;
  if (!s.attributes.empty()) j["attributes"] = KeyValues(s.attributes);
  return j;
}

json SampleValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

}  // namespace

std::string ToJson(const SearchResponse& resp) {
  json traces = json::array();
  for (const auto& t : resp.traces) {
    json o;
    o["traceID"] = t.trace_id;
    if (!t.root_service_name.empty()) o["rootServiceName"] = t.root_service_name;
    if (!t.root_trace_name.empty()) o["rootTraceName"] = t.root_trace_name;
    o["startTimeUnixNano"] = std::to_string(t.start_ns);
    if (t.duration_ms) o["durationMs"] = t.duration_ms;
    if (!t.span_sets.empty()) {
      json sets = json::array();
      for (const auto& s : t.span_sets) sets.push_back(Spanset(s));
      o["spanSet"] = sets[0];
      o["spanSets"] = std::move(sets);
    }
    traces.push_back(std::move(o));
  }
  json j;
  j["traces"] = std::move(traces);
  j["metrics"] = Metrics(resp.metrics);
  return j.dump();
}

std::string ToJson(const MetricsResponse& resp) {
  json series = json::array();
  for (const auto& s : resp.series) {
    json o;
    o["labels"] = KeyValues(s.labels);
    if (resp.instant) {
      o["value"] = SampleValue(s.value);
    } else {
      json samples = json::array();
      for (const auto& p : s.samples) {
        samples.push_back(
            json{{"timestampMs", std::to_string(p.timestamp_ms)}, {"value", SampleValue(p.value)}});
      }
      o["samples"] = std::move(samples);
    }
    o["promLabels"] = s.prom_labels;
    if (!s.exemplars.empty()) {
      json ex = json::array();
      for (const auto& e : s.exemplars) {
        ex.push_back(json{{"labels", KeyValues(e.labels)},
                          {"value", SampleValue(e.value)},
                          {"timestampMs", std::to_string(e.timestamp_ms)}});
      }
      o["exemplars"] = std::move(ex);
    }
    series.push_back(std::move(o));
  }
  json j;
  j["series"] = std::move(series);
  j["metrics"] = Metrics(resp.metrics);
  return j.dump();
}

}  // namespace loupe::query::traceql

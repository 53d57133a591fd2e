// TraceQL evaluation over the span store (the Tempo querier role): search (GET /api/search),
// TraceQL metrics (GET /api/metrics/query_range and /api/metrics/query) and tag name / tag value
// lookups filtered by a TraceQL query (GET /api/v2/search/tags, /api/v2/search/tag/<t>/values).
//
// Semantics are Tempo's (pkg/traceql):
//  - `{ }` matches every span; a spanset filter keeps the spans of a trace for which the field
//    expression is true. A missing attribute is nil: every comparison with nil is false except
//    `!= nil` / `= nil`; strings compare with strings, numbers (int, float, duration) with
//    numbers, status/kind with their enum; regexes are RE2 and fully anchored. An unscoped `.a`
//    reads the span attribute, else the resource attribute.
//  - spanset operators &&, ||, structural > >> < << ~ with their negated (!>) and union (&>)
//    forms, pipelines with scalar filters (count(), avg/min/max/sum(expr)), by(), coalesce(),
//    select().
//  - results: one entry per trace (spansets of a trace merged), newest trace start first,
//    at most `limit` traces, at most `spans_per_spanset` spans per spanset, `matched` = spans
//    in the spanset before that cut.
//
// Errors (Status codes; messages are Tempo's, the HTTP layer answers 400 for the first two):
//  - kInvalidArgument "invalid TraceQL query: parse error at line 1, col 5: syntax error:
//    unexpected IDENTIFIER" for parse errors, and "invalid TraceQL query: <validation text>"
//    for validation errors (types, regexes, ...). Also for a metrics query sent to Search, a
//    span query sent to QueryRange, a bad time range/step, and a bad tag name in TagValues
//    ("tag name is not valid intrinsic or scoped attribute").
//  - kUnimplemented "invalid TraceQL query: <feature> not yet supported" for constructs that
//    parse but are not evaluated (Tempo answers 400 for these too).
//  - kResourceExhausted when a metrics query produces more than EngineOptions::max_series.
//  - errors of the span store (kIOError, kCorruption) pass through unchanged.
// Any other code (kInternal) is a bug.
//
// Thread-safety: all functions are safe to call concurrently (the span store is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/base/result.h"
#include "storage/spanstore/span_store.h"

namespace loupe::query::traceql {

// A value as TraceQL yields it: attribute values, intrinsics, aggregates, by() keys.
struct TypedValue {
  enum class Type : uint8_t { kNil, kString, kInt, kFloat, kBool, kDuration, kStatus, kKind };
  Type type = Type::kNil;
  int64_t i = 0;      // kInt, kBool (0/1), kDuration (ns), kStatus/kKind (OTLP numbering)
  double f = 0;       // kFloat
  std::string s;      // kString

  static TypedValue String(std::string v) { return {Type::kString, 0, 0, std::move(v)}; }
  static TypedValue Int(int64_t v) { return {Type::kInt, v, 0, {}}; }
  static TypedValue Float(double v) { return {Type::kFloat, 0, v, {}}; }
  static TypedValue Bool(bool v) { return {Type::kBool, v ? 1 : 0, 0, {}}; }
  static TypedValue Duration(int64_t ns) { return {Type::kDuration, ns, 0, {}}; }
  static TypedValue Status(storage::spanstore::SpanStatus v) {
    return {Type::kStatus, static_cast<int64_t>(v), 0, {}};
  }
  static TypedValue Kind(storage::spanstore::SpanKind v) {
    return {Type::kKind, static_cast<int64_t>(v), 0, {}};
  }
  friend bool operator==(const TypedValue& a, const TypedValue& b) {
    return a.type == b.type && a.i == b.i && a.f == b.f && a.s == b.s;
  }
};
// Tempo's tag value type names: "string", "int", "float", "bool", "duration", "status",
// "kind", "nil".
std::string_view TypedValueTypeName(TypedValue::Type t);
// The value as Tempo prints it in tag values and promLabels: strings raw, durations in Go's
// time.Duration form ("1.5s"), status/kind as keywords ("error", "server"), floats shortest.
std::string TypedValueString(const TypedValue& v);

struct KeyValue {
  std::string key;
  TypedValue value;
};

// ---------------------------------------------------------------------------------------------
// Search

struct SearchRequest {
  std::string query;                    // TraceQL; empty = `{}`
  int64_t start_ns = 0, end_ns = 0;     // traces overlapping [start, end]; both 0 = unbounded
  uint32_t limit = 20;                  // traces; 0 = default (20)
  uint32_t spans_per_spanset = 3;       // spss; 0 = default (3)
  // Legacy tag search (used when `query` is empty and any of these is set): every tag must hold
  // on one span (logfmt `tags=`), trace duration within [min, max] (0 = no bound).
  int64_t min_duration_ns = 0, max_duration_ns = 0;
  std::vector<std::pair<std::string, std::string>> tags;
};

struct SpanResult {
  std::string span_id;         // 16 hex digits
  std::string name;
  int64_t start_ns = 0;
  int64_t duration_ns = 0;
  // The attributes the query touched (filters, select(), by()), as Tempo returns them:
  // attribute names without scope prefix, intrinsics by name ("status", "kind", ...) except
  // name/duration/trace-level ones, which have their own fields.
  std::vector<KeyValue> attributes;
};

struct SpansetResult {
  std::vector<SpanResult> spans;  // at most spans_per_spanset, in span start order
  uint32_t matched = 0;           // spans in the spanset before the spss cut
  std::vector<KeyValue> attributes;  // by(...) keys and aggregate values ("count()", ...)
};

struct TraceResult {
  std::string trace_id;  // 32 hex digits (Tempo trims no zeros for 128-bit ids)
  std::string root_service_name;  // "<root span not yet received>" when unknown, as Tempo
  std::string root_trace_name;
  int64_t start_ns = 0;
  int64_t duration_ms = 0;
  std::vector<SpansetResult> span_sets;
};

struct SearchMetrics {
  uint32_t inspected_traces = 0;
  uint64_t inspected_bytes = 0;
  uint64_t inspected_spans = 0;
  uint32_t total_blocks = 0;
  uint32_t completed_jobs = 0;
  uint32_t total_jobs = 0;
  uint64_t total_block_bytes = 0;
};

struct SearchResponse {
  std::vector<TraceResult> traces;  // newest start first, at most `limit`
  SearchMetrics metrics;
};

struct EngineOptions {
  size_t max_series = 1000;      // metrics queries (Tempo's max_response_series)
  uint32_t max_limit = 0;        // search limit cap; 0 = none
  int64_t max_points = 11000;    // metrics: (end-start)/step must not exceed this
};

Result<SearchResponse> Search(storage::spanstore::SpanStore& store, std::string_view tenant,
                              const SearchRequest& req, const EngineOptions& options = {});

// Tempo's /api/search JSON: {"traces":[{"traceID","rootServiceName","rootTraceName",
// "startTimeUnixNano":"<ns>","durationMs",spanSet,spanSets:[{spans:[{spanID,name,
// startTimeUnixNano:"<ns>",durationNanos:"<ns>",attributes:[KeyValue]}],matched,attributes}]}],
// "metrics":{...}}. KeyValues are OTLP JSON ({"key","value":{"stringValue"|"intValue":"<n>"|
// "doubleValue"|"boolValue"}}); proto3 JSON rules: zero/empty fields are omitted, 64-bit
// integers are strings.
std::string ToJson(const SearchResponse& resp);

// ---------------------------------------------------------------------------------------------
// Metrics

struct MetricsRequest {
  std::string query;
  int64_t start_ns = 0, end_ns = 0;  // required, start < end (instant: the window)
  int64_t step_ns = 0;               // range queries; 0 = Tempo's default for the range
  bool instant = false;              // one value per series over [start, end)
  uint32_t exemplars = 0;            // max exemplars per series (0 = none)
};

struct Exemplar {
  std::vector<KeyValue> labels;  // trace:id, span:id
  double value = 0;
  int64_t timestamp_ms = 0;
};

struct Sample {
  int64_t timestamp_ms = 0;
  double value = 0;
};

struct Series {
  std::vector<KeyValue> labels;  // by() labels; `__name__`=<function> when there is no by()
  std::string prom_labels;       // labels in Prometheus text form: {a="b", c="d"}
  std::vector<Sample> samples;   // range: one per step with data (NaN-free), time ascending
  double value = 0;              // instant
  std::vector<Exemplar> exemplars;
};

struct MetricsResponse {
  bool instant = false;
  int64_t step_ns = 0;  // the step used
  std::vector<Series> series;
  SearchMetrics metrics;
};

// Range (Tempo's alignment): start is rounded down and end up to a multiple of the step; a
// span that started at t in [start, end) counts in the interval [t0, t0 + step) holding t,
// stamped t0; there are (end - start) / step + 1 intervals; `rate` divides by the step in
// seconds; step 0 picks Tempo's default for the range. Instant: one value over [start, end).
// kInvalidArgument for end <= start, a step of more than max_points points, a span query.
Result<MetricsResponse> QueryRange(storage::spanstore::SpanStore& store, std::string_view tenant,
                                   const MetricsRequest& req, const EngineOptions& options = {});

// /api/metrics/query_range: {"series":[{"labels":[KeyValue],"samples":[{"timestampMs":"<ms>",
// "value":v}],"promLabels":"{...}","exemplars":[...]}],"metrics":{...}};
// /api/metrics/query (resp.instant): {"series":[{"labels":[...],"value":v,"promLabels":"..."}],
// "metrics":{...}}.
std::string ToJson(const MetricsResponse& resp);

// ---------------------------------------------------------------------------------------------
// Tags (autocomplete)

// Distinct values of `tag` — a scoped attribute ("resource.service.name", "span.http.method",
// "event.x", "link.x", "instrumentation.x") or an intrinsic ("name", "status", "kind",
// "statusMessage", "span:name", "trace:rootService", "rootServiceName", "event:name",
// "instrumentation:name", ...) — over spans matching `q`. `q` is a TraceQL filter
// (`{ resource.service.name = "a" && span.x = "b" }`); as in Tempo a malformed q is ignored
// (the unfiltered values are returned) and a q that pins the tag with `=` answers that value.
// Sorted, at most `limit` (0 = no limit). kInvalidArgument "tag name is not valid intrinsic or
// scoped attribute" for an unscoped or unknown tag.
Result<std::vector<TypedValue>> TagValues(storage::spanstore::SpanStore& store,
                                          std::string_view tenant, std::string_view tag,
                                          std::string_view q, int64_t start_ns, int64_t end_ns,
                                          size_t limit);

struct ScopeTags {
  std::string name;  // "resource", "span", "event", "link", "instrumentation", "intrinsic"
  std::vector<std::string> tags;  // sorted
};

// Tag names per scope (v2 /api/v2/search/tags). `scope` is "" (all scopes, intrinsic included),
// one of the names above, or "intrinsic". With a non-empty valid `q`, only names present on
// spans matching q are listed (intrinsics are always the fixed list). `limit` caps each scope
// (0 = none). kInvalidArgument for an unknown scope ("invalid scope: <s>").
Result<std::vector<ScopeTags>> TagNames(storage::spanstore::SpanStore& store,
                                        std::string_view tenant, std::string_view scope,
                                        std::string_view q, int64_t start_ns, int64_t end_ns,
                                        size_t limit);

}  // namespace loupe::query::traceql

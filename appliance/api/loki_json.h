// JSON encoding of LogQL results as Loki's HTTP API writes them (pkg/util/marshal):
//
//   {"status":"success","data":{"resultType":"streams","encodingFlags":[...],"result":[...],
//    "stats":{...}}}
//
//   streams  {"stream":{labels},"values":[["<ns>","<line>"],...]}; with categorize-labels each
//            value gets a third element {"structuredMetadata":{...},"parsed":{...}} (empty parts
//            left out) and "encodingFlags":["categorize-labels"] follows resultType
//   vector   {"metric":{labels},"value":[<s>,"<v>"]}
//   matrix   {"metric":{labels},"values":[[<s>,"<v>"],...]}
//   scalar   [<s>,"<v>"]
// Sample times are Prometheus's model.Time text (seconds, shortest decimal of the millisecond
// value: 1700000000.5), values strconv's 'f' form ("NaN", "+Inf"). Log lines escape <, > and &
// as \u003c... and replace invalid UTF-8 with U+FFFD (jsoniter's WriteStringWithHTMLEscaped);
// label names and values escape only quotes, backslashes and control characters.
//
// The stats object has Loki 3's sections (summary, querier, ingester, cache, index); loupe fills
// the summary and the querier's chunk counters and leaves the rest zero.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/eval/value.h"

namespace loupe::appliance::api {

// Appends `s` as a JSON string; `html` selects the log-line escaping described above.
void AppendLokiJsonString(std::string& out, std::string_view s, bool html);
// Appends {"name":"value",...} in the given order.
void AppendLokiLabels(std::string& out, const std::vector<storage::model::Label>& labels);

// The whole query response body (a trailing newline, as Loki writes).
std::string LokiQueryResponseJson(const query::logql::QueryResult& result, bool categorize_labels);

// The stats object (`queue_ns` is the time the request waited before evaluation).
void AppendLokiStats(std::string& out, const query::logql::QueryStats& stats, int64_t queue_ns);

// One tail frame: {"streams":[...]} with one stream object per entry (as Loki's tailer sends
// them), the entry's labels as `labels` (all labels, or with categorize-labels the stream labels
// and the third value element). `dropped` entries, when any, follow as
// "dropped_entries":[{"timestamp":"<ns>","labels":{...}}]; with categorize-labels
// "encodingFlags":["categorize-labels"] ends the frame.
struct TailEntry {
  std::vector<storage::model::Label> labels;
  query::logql::StreamEntry entry;
};
std::string LokiTailFrameJson(const std::vector<TailEntry>& entries,
                              const std::vector<TailEntry>& dropped, bool categorize_labels);

}  // namespace loupe::appliance::api

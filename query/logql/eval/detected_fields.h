// Field detection for Loki's /loki/api/v1/detected_fields and /detected_field/<name>/values
// (Grafana Logs Drilldown): which fields the lines returned by a log query carry, as Loki's
// query frontend finds them (pkg/querier/queryrange/detected.go):
//   - structured metadata of the entry (reported with parsers = null),
//   - labels parsed by the query's own parsers,
//   - what `| json` extracts from the line or, when the line is not JSON, `| logfmt`
//     (reported with parsers ["json"] / ["logfmt"]); a line neither parser accepts adds none.
// Error labels (__error__, __error_details__, __preserve_error__) are never fields.
// A field's type is guessed from a value, in Loki's order: int, float, boolean, duration, bytes,
// else string; like Loki, every entry re-guesses, so the type of the last entry added wins.
// Cardinality is the exact number of distinct values (Loki estimates it with HyperLogLog).
//
// Thread-safety: a FieldDetector is used by one thread; the free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/model/labels.h"

namespace loupe::query::logql {

enum class FieldType { kString, kInt, kFloat, kBoolean, kDuration, kBytes };

// Loki's names: "string", "int", "float", "boolean", "duration", "bytes".
std::string_view FieldTypeName(FieldType type);

// Loki's determineType: Go's strconv.ParseInt, ParseFloat, ParseBool, time.ParseDuration and
// go-humanize's ParseBytes, tried in that order.
FieldType DetermineFieldType(std::string_view value);

// go-humanize's ParseBytes ("42", "1.5 GB", "10KiB", "3k"): bytes, or false when `s` is not a
// byte size.
bool ParseHumanBytes(std::string_view s, uint64_t* bytes);
// go-humanize's Bytes (SI units, one decimal under 10): 1500 -> "1.5 kB", 82854982 -> "83 MB".
std::string FormatHumanBytes(uint64_t bytes);

struct DetectedField {
  std::string label;
  FieldType type = FieldType::kString;
  uint64_t cardinality = 0;
  std::vector<std::string> parsers;  // empty for structured metadata (Loki sends null)
};

class FieldDetector {
 public:
  // At most `limit` distinct fields are tracked (Loki's `limit`, default 1000).
  explicit FieldDetector(size_t limit) : limit_(limit) {}

  // One entry of the query's result (stream labels as returned with categorize-labels, the
  // line, its structured metadata and the labels the query's parsers extracted).
  void Add(const std::vector<storage::model::Label>& stream, std::string_view line,
           const std::vector<storage::model::Label>& metadata,
           const std::vector<storage::model::Label>& parsed);

  // The fields, sorted by name.
  std::vector<DetectedField> Fields() const;

 private:
  struct Field {
    FieldType type = FieldType::kString;
    std::set<std::string, std::less<>> values;
    std::vector<std::string> parsers;
    bool metadata = false;
  };
  Field* Get(std::string_view name, bool metadata);
  size_t limit_;
  std::map<std::string, Field, std::less<>> fields_;
};

// Values of the field `name` over the same entries (for /detected_field/<name>/values), at most
// `limit` distinct values, sorted. Parsed byte sizes with a unit are normalised as Loki does
// ("1048576b" -> "1.0MB") so they can be pasted into a query.
class FieldValueCollector {
 public:
  FieldValueCollector(std::string name, size_t limit) : name_(std::move(name)), limit_(limit) {}
  void Add(const std::vector<storage::model::Label>& stream, std::string_view line,
           const std::vector<storage::model::Label>& metadata,
           const std::vector<storage::model::Label>& parsed);
  std::vector<std::string> Values() const { return {values_.begin(), values_.end()}; }

 private:
  std::string name_;
  size_t limit_;
  std::set<std::string> values_;
};

// The labels that `| json`, or failing that `| logfmt`, extracts from `line` for an entry of a
// stream with `stream` labels (clashes get the `_extracted` suffix), without error labels.
// Returns the parser's name ("json", "logfmt") or "" when neither accepted the line.
std::string_view ParseLineFields(const std::vector<storage::model::Label>& stream,
                                 std::string_view line, std::vector<storage::model::Label>* out);

}  // namespace loupe::query::logql

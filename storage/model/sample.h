// Metric samples as ingest produces them and the metric store keeps them.
// Timestamps are milliseconds since the Unix epoch (Prometheus's resolution).
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/model/labels.h"

namespace loupe::storage::model {

struct Sample {
  int64_t t = 0;  // ms
  double v = 0;
  friend bool operator==(const Sample&, const Sample&) = default;
};

// Prometheus's staleness marker: a NaN with a specific bit pattern, distinct from any NaN a
// computation produces. Written when a series or target disappears.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

struct Exemplar {
  Labels labels;  // e.g. {trace_id="..."}
  double value = 0;
  int64_t t = 0;  // ms
  bool has_timestamp = true;
};

enum class MetricType : uint8_t {
  kUnknown = 0,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateSet,
};

// Prometheus API names: "counter", "gauge", "histogram", "gaugehistogram", "summary", "info",
// "stateset", "unknown".
const char* MetricTypeName(MetricType t);
MetricType ParseMetricType(std::string_view s);

struct MetricMetadata {
  std::string family;  // metric family name, e.g. http_requests_total / http_request_duration_seconds
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
};

// One series' worth of ingested data.
struct SeriesSamples {
  Labels labels;
  std::vector<Sample> samples;
  std::vector<Exemplar> exemplars;
};

}  // namespace loupe::storage::model

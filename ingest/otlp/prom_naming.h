// Prometheus names for OTLP metrics, units and attributes, following the rules of Prometheus's
// OTLP receiver (the github.com/prometheus/otlptranslator package, MetricNamer / LabelNamer /
// UnitNamer, as used by Prometheus 3.5). The rules, for the default strategy
// UnderscoreEscapingWithSuffixes:
//   * the metric name is split into tokens at every character outside [a-zA-Z0-9:] (so runs of
//     '_', '.', '-', non-ASCII letters... all become one '_', and leading/trailing ones vanish);
//   * the unit (UCUM) is split at the first '/': the main part maps s→seconds, ms→milliseconds,
//     By→bytes, KiBy→kibibytes, 1→"" ... (unknown units pass through), the "per" part maps
//     s→second, m→minute, h→hour, d→day, w→week, mo→month, y→year and gets a "per_" prefix;
//     parts containing '{' or '}' are dropped; each is cleaned to [a-zA-Z0-9:_] with runs of '_'
//     collapsed and a leading '_' removed; a part already present as a name token is not added;
//   * monotonic sums get "_total" (any "total" token is moved to the end); gauges with unit "1"
//     get "_ratio" likewise (non-monotonic sums do not);
//   * the namespace, if any, is prepended as a token; a leading digit gets a "_" prefix.
// Label names: every character outside [a-zA-Z0-9_] becomes '_' (one per character); a name
// starting with a digit gets "key_", one starting with a single '_' gets "key" ("__x" is kept).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace loupe::ingest::otlp {

// Prometheus's otlp.translation_strategy.
enum class TranslationStrategy {
  kUnderscoreEscapingWithSuffixes,     // default
  kUnderscoreEscapingWithoutSuffixes,  // escape, but add no unit/type suffixes
  kNoUTF8EscapingWithSuffixes,         // keep UTF-8 names, add suffixes
  kNoTranslation,                      // names as sent
};
bool ShouldEscape(TranslationStrategy s);
bool ShouldAddSuffixes(TranslationStrategy s);

// The otlptranslator metric kinds that matter for naming.
enum class OtelMetricKind {
  kUnknown,
  kGauge,
  kMonotonicCounter,     // Sum with is_monotonic
  kNonMonotonicCounter,  // Sum without
  kHistogram,
  kExponentialHistogram,
  kSummary,
};

// The Prometheus metric family name, or "" when the result would be empty or consist only of
// underscores (the caller rejects such a metric, as otlptranslator reports an error for it).
std::string BuildMetricName(std::string_view name, std::string_view unit, OtelMetricKind kind,
                            std::string_view metric_namespace, TranslationStrategy strategy);

// Prometheus's otlp.label_name_underscore_sanitization and
// otlp.label_name_preserve_multiple_underscores (both default true, which is also what
// Prometheus 3.5 did before the options existed).
struct LabelNamerOptions {
  bool underscore_sanitization = true;        // "_x" → "key_x"
  bool preserve_multiple_underscores = true;  // false: "a___b" → "a_b" ("__x" names untouched)
};

// The Prometheus label name for an attribute key. "" for an empty key. A key of only
// non-[a-zA-Z0-9_] characters becomes all underscores (as Prometheus 3.5; newer otlptranslator
// versions report an error instead).
std::string BuildLabelName(std::string_view key, TranslationStrategy strategy,
                           const LabelNamerOptions& options = {});

// The Prometheus unit for an OTel unit ("ms" → "milliseconds", "By/s" → "bytes_per_second",
// "1" → ""), as UnitNamer builds it; used for metric metadata.
std::string BuildUnitName(std::string_view unit, TranslationStrategy strategy);

}  // namespace loupe::ingest::otlp

// Expectations come from the test tables of github.com/prometheus/otlptranslator
// (metric_namer_test.go, label_namer_test.go, unit_namer_test.go) and Prometheus's
// prometheusremotewrite helper tests; they were not produced by running this code.
#include "ingest/otlp/prom_naming.h"

#include <gtest/gtest.h>

namespace loupe::ingest::otlp {
namespace {

constexpr auto kDefault = TranslationStrategy::kUnderscoreEscapingWithSuffixes;
constexpr auto kNoSuffixes = TranslationStrategy::kUnderscoreEscapingWithoutSuffixes;
constexpr auto kUtf8Suffixes = TranslationStrategy::kNoUTF8EscapingWithSuffixes;
constexpr auto kNoTranslation = TranslationStrategy::kNoTranslation;
using K = OtelMetricKind;

std::string Name(std::string_view name, std::string_view unit, K kind,
                 TranslationStrategy s = kDefault, std::string_view ns = "") {
  return BuildMetricName(name, unit, kind, ns, s);
}

TEST(OtlpMetricNameTest, WithoutSuffixes) {
  EXPECT_EQ(Name("simple_metric", "", K::kGauge, kNoSuffixes), "simple_metric");
  EXPECT_EQ(Name("metric@with#special$chars", "", K::kGauge, kNoSuffixes),
            "metric_with_special_chars");
  EXPECT_EQ(Name("123metric", "", K::kGauge, kNoSuffixes), "_123metric");
  EXPECT_EQ(Name("simple_metric", "", K::kGauge, kNoSuffixes, "test_namespace"),
            "test_namespace_simple_metric");
  EXPECT_EQ(Name("metric@@##$$name", "", K::kGauge, kNoSuffixes), "metric_name");
  EXPECT_EQ(Name("@#$%", "", K::kGauge, kNoSuffixes), "");
  EXPECT_EQ(Name("metric", "", K::kGauge, kNoSuffixes, "test@namespace!!??"),
            "test_namespace_metric");
  // Units and types add nothing.
  EXPECT_EQ(Name("http.requests", "s", K::kMonotonicCounter, kNoSuffixes), "http_requests");
}

TEST(OtlpMetricNameTest, TypeSuffixes) {
  EXPECT_EQ(Name("requests", "", K::kMonotonicCounter), "requests_total");
  EXPECT_EQ(Name("cpu_usage", "1", K::kGauge), "cpu_usage_ratio");
  EXPECT_EQ(Name("items", "1", K::kMonotonicCounter), "items_total");
  EXPECT_EQ(Name("requests_total", "", K::kMonotonicCounter), "requests_total");
  EXPECT_EQ(Name("cpu_usage_ratio", "1", K::kGauge), "cpu_usage_ratio");
  EXPECT_EQ(Name("active_connections", "", K::kNonMonotonicCounter), "active_connections");
  EXPECT_EQ(Name("active_connections", "1", K::kNonMonotonicCounter), "active_connections");
  EXPECT_EQ(Name("unknown_metric", "", K::kUnknown), "unknown_metric");
  EXPECT_EQ(Name("http.requests", "1", K::kMonotonicCounter), "http_requests_total");
}

TEST(OtlpMetricNameTest, UnitSuffixes) {
  EXPECT_EQ(Name("response_time", "ms", K::kGauge), "response_time_milliseconds");
  EXPECT_EQ(Name("memory_usage", "By", K::kGauge), "memory_usage_bytes");
  EXPECT_EQ(Name("requests", "1/s", K::kGauge), "requests_per_second");
  EXPECT_EQ(Name("throughput", "By/s", K::kGauge), "throughput_bytes_per_second");
  EXPECT_EQ(Name("custom_metric", "custom_unit", K::kGauge), "custom_metric_custom_unit");
  EXPECT_EQ(Name("custom_metric", "{custom}", K::kGauge), "custom_metric");
  EXPECT_EQ(Name("custom_metric", "By/{custom}", K::kGauge), "custom_metric_bytes");
  EXPECT_EQ(Name("response_time_seconds", "s", K::kGauge), "response_time_seconds");
  EXPECT_EQ(Name("request_duration", "s", K::kHistogram), "request_duration_seconds");
  EXPECT_EQ(Name("request_size", "By", K::kExponentialHistogram), "request_size_bytes");
  EXPECT_EQ(Name("response_time", "ms", K::kSummary), "response_time_milliseconds");
  EXPECT_EQ(Name("http.request.duration", "ms", K::kHistogram),
            "http_request_duration_milliseconds");
  EXPECT_EQ(Name("metric", "By/", K::kGauge), "metric_bytes");
  EXPECT_EQ(Name("metric", " By / s ", K::kGauge), "metric_bytes_per_second");
  EXPECT_EQ(Name("metric", "/", K::kGauge), "metric");
  EXPECT_EQ(Name("custom", "1/custom_unit", K::kGauge), "custom_per_custom_unit");
  EXPECT_EQ(Name("custom_metric", "unit@with#special/chars", K::kGauge),
            "custom_metric_unit_with_special_per_chars");
  EXPECT_EQ(Name("metric__with__multiple__underscores", "unit__multiple__underscores", K::kGauge),
            "metric_with_multiple_underscores_unit_multiple_underscores");
}

TEST(OtlpMetricNameTest, UnitMap) {
  const std::pair<const char*, const char*> kCases[] = {
      {"d", "uptime_days"},          {"h", "uptime_hours"},        {"min", "uptime_minutes"},
      {"us", "uptime_microseconds"}, {"ns", "uptime_nanoseconds"}, {"KiBy", "uptime_kibibytes"},
      {"MiBy", "uptime_mebibytes"},  {"GiBy", "uptime_gibibytes"}, {"TiBy", "uptime_tibibytes"},
      {"KBy", "uptime_kilobytes"},   {"MBy", "uptime_megabytes"},  {"GBy", "uptime_gigabytes"},
      {"TBy", "uptime_terabytes"},   {"m", "uptime_meters"},       {"V", "uptime_volts"},
      {"A", "uptime_amperes"},       {"J", "uptime_joules"},       {"W", "uptime_watts"},
      {"g", "uptime_grams"},         {"Cel", "uptime_celsius"},    {"Hz", "uptime_hertz"},
      {"%", "uptime_percent"},       {"1/m", "uptime_per_minute"}, {"1/h", "uptime_per_hour"},
      {"1/d", "uptime_per_day"},     {"1/w", "uptime_per_week"},   {"1/mo", "uptime_per_month"},
      {"1/y", "uptime_per_year"},
  };
  for (const auto& [unit, want] : kCases) {
    EXPECT_EQ(Name("uptime", unit, K::kGauge), want) << unit;
  }
}

TEST(OtlpMetricNameTest, NamespaceAndDigits) {
  EXPECT_EQ(Name("requests", "1/s", K::kMonotonicCounter, kDefault, "app"),
            "app_requests_per_second_total");
  EXPECT_EQ(Name("123_requests", "", K::kMonotonicCounter, kDefault, "app"),
            "app_123_requests_total");
  EXPECT_EQ(Name("123_requests", "", K::kMonotonicCounter), "_123_requests_total");
  EXPECT_EQ(Name("@#$%", "", K::kGauge), "");
}

TEST(OtlpMetricNameTest, DotsAndOtherCharactersBecomeUnderscores) {
  EXPECT_EQ(Name("system.cpu.time", "s", K::kMonotonicCounter), "system_cpu_time_seconds_total");
  EXPECT_EQ(Name("http.server.request.duration", "s", K::kHistogram),
            "http_server_request_duration_seconds");
  EXPECT_EQ(Name("process.runtime.jvm.memory.usage", "By", K::kNonMonotonicCounter),
            "process_runtime_jvm_memory_usage_bytes");
  EXPECT_EQ(Name("_leading.and.trailing_", "", K::kGauge), "leading_and_trailing");
  EXPECT_EQ(Name("métric", "", K::kGauge), "m_tric");
  // A "total" token anywhere moves to the end; "ratio" likewise for unit-1 gauges.
  EXPECT_EQ(Name("total.requests", "", K::kMonotonicCounter), "requests_total");
  EXPECT_EQ(Name("ratio.of.cpu", "1", K::kGauge), "of_cpu_ratio");
  // The unit is recognised anywhere among the name's tokens.
  EXPECT_EQ(Name("seconds.spent", "s", K::kGauge), "seconds_spent");
}

TEST(OtlpMetricNameTest, Utf8Strategies) {
  EXPECT_EQ(Name("métric_with_ñ_chars", "", K::kGauge, kNoTranslation), "métric_with_ñ_chars");
  EXPECT_EQ(Name("métric_with_ñ_chars", "", K::kGauge, kNoTranslation, "test_namespace"),
            "test_namespace_métric_with_ñ_chars");
  EXPECT_EQ(Name("requêsts", "", K::kMonotonicCounter, kUtf8Suffixes), "requêsts_total");
  EXPECT_EQ(Name("cpu_usagé", "1", K::kGauge, kUtf8Suffixes), "cpu_usagé_ratio");
  EXPECT_EQ(Name("respønse_time", "ms", K::kGauge, kUtf8Suffixes), "respønse_time_milliseconds");
  EXPECT_EQ(Name("requêsts", "1/s", K::kGauge, kUtf8Suffixes), "requêsts_per_second");
  EXPECT_EQ(Name("requêsts", "1/s", K::kMonotonicCounter, kUtf8Suffixes, "ñamespace"),
            "ñamespace_requêsts_per_second_total");
  EXPECT_EQ(Name("@#$%", "", K::kMonotonicCounter, kUtf8Suffixes), "@#$%_total");
  EXPECT_EQ(Name("requests_total", "", K::kMonotonicCounter, kUtf8Suffixes), "requests_total");
  EXPECT_EQ(Name("cpu_usage_ratio", "1", K::kGauge, kUtf8Suffixes), "cpu_usage_ratio");
  EXPECT_EQ(Name("response_time_seconds", "s", K::kGauge, kUtf8Suffixes), "response_time_seconds");
  EXPECT_EQ(Name("cpu_seconds_total", "s", K::kMonotonicCounter, kUtf8Suffixes),
            "cpu_seconds_total");
  EXPECT_EQ(Name("http.request.duration", "ms", K::kHistogram, kNoTranslation),
            "http.request.duration");
}

TEST(OtlpUnitNameTest, MatchesUnitNamer) {
  EXPECT_EQ(BuildUnitName("ms", kDefault), "milliseconds");
  EXPECT_EQ(BuildUnitName("By", kDefault), "bytes");
  EXPECT_EQ(BuildUnitName("1/s", kDefault), "per_second");
  EXPECT_EQ(BuildUnitName("By/s", kDefault), "bytes_per_second");
  EXPECT_EQ(BuildUnitName("custom_unit", kDefault), "custom_unit");
  EXPECT_EQ(BuildUnitName("{custom}", kDefault), "");
  EXPECT_EQ(BuildUnitName("By/{custom}", kDefault), "bytes");
  EXPECT_EQ(BuildUnitName("1", kDefault), "");
  EXPECT_EQ(BuildUnitName("unit@with#special/chars", kDefault), "unit_with_special_per_chars");
  EXPECT_EQ(BuildUnitName("unit__multiple__underscores", kDefault), "unit_multiple_underscores");
  EXPECT_EQ(BuildUnitName(" By / s ", kDefault), "bytes_per_second");
}

TEST(OtlpLabelNameTest, Sanitisation) {
  EXPECT_EQ(BuildLabelName("label:with:colons", kDefault), "label_with_colons");
  EXPECT_EQ(BuildLabelName("LabelWithCapitalLetters", kDefault), "LabelWithCapitalLetters");
  EXPECT_EQ(BuildLabelName("label!with&special$chars)", kDefault), "label_with_special_chars_");
  EXPECT_EQ(BuildLabelName("label_with_foreign_characters_字符", kDefault),
            "label_with_foreign_characters___");
  EXPECT_EQ(BuildLabelName("label.with.dots", kDefault), "label_with_dots");
  EXPECT_EQ(BuildLabelName("123label", kDefault), "key_123label");
  EXPECT_EQ(BuildLabelName("_label_starting_with_underscore", kDefault),
            "key_label_starting_with_underscore");
  EXPECT_EQ(BuildLabelName("__label_starting_with_2underscores", kDefault),
            "__label_starting_with_2underscores");
  EXPECT_EQ(BuildLabelName("regular label", kDefault), "regular_label");
  EXPECT_EQ(BuildLabelName("", kDefault), "");
  EXPECT_EQ(BuildLabelName("service.instance.id", kDefault), "service_instance_id");
}

TEST(OtlpLabelNameTest, Options) {
  LabelNamerOptions permissive;
  permissive.underscore_sanitization = false;
  EXPECT_EQ(BuildLabelName("_private", kDefault, permissive), "_private");
  EXPECT_EQ(BuildLabelName("123label", kDefault, permissive), "key_123label");
  LabelNamerOptions collapse;
  collapse.preserve_multiple_underscores = false;
  EXPECT_EQ(BuildLabelName("label___multi", kDefault, collapse), "label_multi");
  EXPECT_EQ(BuildLabelName("__reserved__", kDefault, collapse), "__reserved__");
  EXPECT_EQ(BuildLabelName("_metric_private", kDefault, collapse), "key_metric_private");
  EXPECT_EQ(BuildLabelName("label___multi", kDefault), "label___multi");
}

TEST(OtlpLabelNameTest, Utf8AllowedKeepsNames) {
  EXPECT_EQ(BuildLabelName("label.with.dots", kUtf8Suffixes), "label.with.dots");
  EXPECT_EQ(BuildLabelName("123label", kNoTranslation), "123label");
}

}  // namespace
}  // namespace loupe::ingest::otlp

#include "ingest/prom/textparse/family.h"

#include <initializer_list>

namespace loupe::ingest::prom {
namespace {

using storage::model::MetricType;

std::string_view CutAnySuffix(std::string_view s,
                              std::initializer_list<std::string_view> suffixes) {
  for (std::string_view suf : suffixes) {
    if (s.size() > suf.size() && s.ends_with(suf)) return s.substr(0, s.size() - suf.size());
  }
  return s;
}

}  // namespace

std::string_view FamilyOf(std::string_view series_name, MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return CutAnySuffix(series_name, {"_total", "_created"});
    case MetricType::kHistogram:
      return CutAnySuffix(series_name, {"_bucket", "_sum", "_count", "_created"});
    case MetricType::kGaugeHistogram:
      return CutAnySuffix(series_name, {"_bucket", "_gsum", "_gcount"});
    case MetricType::kSummary:
      return CutAnySuffix(series_name, {"_sum", "_count", "_created"});
    case MetricType::kInfo:
      return CutAnySuffix(series_name, {"_info"});
    case MetricType::kGauge:
    case MetricType::kStateSet:
    case MetricType::kUnknown:
      break;
  }
  return series_name;
}

bool BelongsToFamily(std::string_view series_name, std::string_view family, MetricType type) {
  if (!series_name.starts_with(family)) return false;  // fast path
  if (series_name.size() == family.size()) return true;
  if (type == MetricType::kCounter) {
    // "# TYPE x_total counter" with x_total, and "# TYPE x counter" with x_total / x_created.
    std::string_view fam = CutAnySuffix(family, {"_total"});
    return CutAnySuffix(series_name, {"_total", "_created"}) == fam;
  }
  if (type == MetricType::kInfo) {
    std::string_view fam = CutAnySuffix(family, {"_info"});
    return CutAnySuffix(series_name, {"_info"}) == fam;
  }
  return FamilyOf(series_name, type) == family;
}

}  // namespace loupe::ingest::prom

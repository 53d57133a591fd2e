#include "storage/logstore/limits.h"

#include <cstdio>

namespace loupe::storage::logstore {
namespace {

struct Civil {
  int64_t y, m, d, hh, mm, ss, nanos;
};

// Proleptic Gregorian civil time from Unix nanoseconds (H. Hinnant's days_from_civil inverse).
Civil ToCivil(int64_t ns) {
  int64_t secs = ns / 1000000000;
  int64_t nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2), m, d, rem / 3600, rem / 60 % 60, rem % 60, nanos};
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

const char* RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kLineTooLong:
      return "line_too_long";
    case RejectReason::kTooOld:
      return "greater_than_max_sample_age";
    case RejectReason::kTooNew:
      return "too_far_in_future";
    case RejectReason::kTooFarBehind:
      return "too_far_behind";
    case RejectReason::kStreamLimit:
      return "stream_limit";
    case RejectReason::kMissingLabels:
      return "missing_labels";
    case RejectReason::kMaxLabelNames:
      return "max_label_names_per_series";
    case RejectReason::kLabelNameTooLong:
      return "label_name_too_long";
    case RejectReason::kLabelValueTooLong:
      return "label_value_too_long";
    case RejectReason::kDuplicateLabelNames:
      return "duplicate_label_names";
    case RejectReason::kMetadataTooLarge:
      return "structured_metadata_too_large";
    case RejectReason::kMetadataTooMany:
      return "structured_metadata_too_many";
    case RejectReason::kCount:
      break;
  }
  return "other";
}

std::string FormatRfc3339(int64_t ns) {
  const Civil c = ToCivil(ns);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(c.y), static_cast<long long>(c.m),
                static_cast<long long>(c.d), static_cast<long long>(c.hh),
                static_cast<long long>(c.mm), static_cast<long long>(c.ss));
  return buf;
}

std::string FormatGoTime(int64_t ns) {
  const Civil c = ToCivil(ns);
  char buf[80];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                        static_cast<long long>(c.y), static_cast<long long>(c.m),
                        static_cast<long long>(c.d), static_cast<long long>(c.hh),
                        static_cast<long long>(c.mm), static_cast<long long>(c.ss));
  std::string out(buf, static_cast<size_t>(n));
  if (c.nanos != 0) {
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%09lld", static_cast<long long>(c.nanos));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += " +0000 UTC";
  return out;
}

std::string LineTooLongMessage(uint64_t limit, std::string_view stream, uint64_t length) {
  return "Max entry size '" + std::to_string(limit) + "' bytes exceeded for stream " +
         Quote(stream) + " while adding an entry with length '" + std::to_string(length) +
         "' bytes";
}

std::string TooOldMessage(std::string_view stream, int64_t ts_ns, int64_t cutoff_ns) {
  return "entry for stream " + Quote(stream) + " has timestamp too old: " + FormatRfc3339(ts_ns) +
         ", oldest acceptable timestamp is: " + FormatRfc3339(cutoff_ns);
}

std::string TooNewMessage(std::string_view stream, int64_t ts_ns) {
  return "entry for stream " + Quote(stream) + " has timestamp too new: " + FormatRfc3339(ts_ns);
}

std::string TooFarBehindMessage(int64_t ts_ns, int64_t cutoff_ns) {
  return "entry too far behind, entry timestamp is: " + FormatRfc3339(ts_ns) +
         ", oldest acceptable timestamp is: " + FormatRfc3339(cutoff_ns);
}

std::string StreamLimitMessage(std::string_view stream, std::string_view tenant) {
  return "Maximum active stream limit exceeded when trying to create stream " +
         std::string(stream) +
         ", reduce the number of active streams (reduce labels or reduce label values), or contact "
         "your "
         "Loki administrator to see if the limit can be increased, user: " +
         Quote(tenant);
}

std::string MissingLabelsMessage() {
  return "error at least one label pair is required per stream";
}

std::string MaxLabelNamesMessage(std::string_view stream, size_t n, uint32_t limit) {
  return "entry for stream " + Quote(stream) + " has " + std::to_string(n) +
         " label names; limit " + std::to_string(limit);
}

std::string LabelNameTooLongMessage(std::string_view stream, std::string_view name) {
  return "stream " + Quote(stream) + " has label name too long: " + Quote(name);
}

std::string LabelValueTooLongMessage(std::string_view stream, std::string_view value) {
  return "stream " + Quote(stream) + " has label value too long: " + Quote(value);
}

std::string DuplicateLabelNamesMessage(std::string_view stream, std::string_view name) {
  return "stream " + Quote(stream) + " has duplicate label name: " + Quote(name);
}

std::string MetadataTooLargeMessage(std::string_view stream, uint64_t size, uint64_t limit) {
  return "stream " + Quote(stream) + " has structured metadata too large: '" +
         std::to_string(size) + "' bytes, limit: '" + std::to_string(limit) +
         "' bytes. Please see `limits_config.max_structured_metadata_size` or contact your Loki "
         "administrator to increase it.";
}

std::string MetadataTooManyMessage(std::string_view stream, size_t n, uint32_t limit) {
  return "stream " + Quote(stream) + " has too many structured metadata labels: '" +
         std::to_string(n) + "', limit: '" + std::to_string(limit) +
         "'. Please see `limits_config.max_structured_metadata_entries_count` or contact your Loki "
         "administrator to increase it.";
}

}  // namespace loupe::storage::logstore

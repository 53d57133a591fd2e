// Ingest limits of the log store and Loki's validation messages. Defaults are Loki's
// (limits_config), so Promtail/Alloy/Grafana see the errors they expect:
//
//   max_line_size                      256 KB   "Max entry size '<n>' bytes exceeded for stream
//   '<s>' while adding an entry with length '<m>' bytes" reject_old_samples(_max_age)       168 h
//   "entry for stream '<s>' has timestamp too old: <ts>, oldest acceptable timestamp is: <cutoff>"
//   creation_grace_period              10 m     "entry for stream '<s>' has timestamp too new:
//   <ts>" out-of-order window (head option)  1 h      "entry too far behind, entry timestamp is:
//   <ts>, oldest acceptable timestamp is: <cutoff>" max_label_names_per_series         15 "entry
//   for stream '<s>' has <n> label names; limit <l>" max_label_name_length              1024
//   "stream '<s>' has label name too long: '<name>'" max_label_value_length             2048
//   "stream '<s>' has label value too long: '<value>'" max_structured_metadata_size       64 KB,
//   max_structured_metadata_entries_count 128 max_global_streams_per_user        5000     "Maximum
//   active stream limit exceeded when trying to create stream <s>, ..."
// Timestamps print as RFC 3339 in UTC with second precision, as Loki formats them.
// Every reject is counted by reason (Loki's discard reason names).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loupe::storage::logstore {

struct Limits {
  uint64_t max_line_size = 256 * 1024;  // bytes; 0 = no limit
  bool max_line_size_truncate = false;  // truncate instead of rejecting
  bool reject_old_samples = true;
  int64_t reject_old_samples_max_age_ns = 168LL * 3600 * 1000000000;
  int64_t creation_grace_period_ns = 10LL * 60 * 1000000000;
  uint32_t max_label_names_per_series = 15;
  uint32_t max_label_name_length = 1024;
  uint32_t max_label_value_length = 2048;
  uint64_t max_structured_metadata_size = 64 * 1024;
  uint32_t max_structured_metadata_entries = 128;
  // Streams that received data within `active_stream_window_ns` count as active. 0 = no limit.
  uint64_t max_active_streams_per_tenant = 5000;
  int64_t active_stream_window_ns = 30LL * 60 * 1000000000;  // Loki's chunk_idle_period
};

enum class RejectReason : uint8_t {
  kLineTooLong = 0,
  kTooOld,
  kTooNew,
  kTooFarBehind,
  kStreamLimit,
  kMissingLabels,
  kMaxLabelNames,
  kLabelNameTooLong,
  kLabelValueTooLong,
  kDuplicateLabelNames,
  kMetadataTooLarge,
  kMetadataTooMany,
  kCount
};
inline constexpr int kNumRejectReasons = static_cast<int>(RejectReason::kCount);

// Loki's discard reason (the `reason` label of loki_discarded_samples_total), e.g. "line_too_long".
const char* RejectReasonName(RejectReason r);
// True for rejects a client should retry later (Loki answers 429); the rest are 400.
inline bool RejectIsRateLimit(RejectReason r) { return r == RejectReason::kStreamLimit; }

// "2006-01-02T15:04:05Z" (Go's time.RFC3339 in UTC) for Unix nanoseconds.
std::string FormatRfc3339(int64_t ns);
// Go's time.Time.String() in UTC: "2006-01-02 15:04:05.123456789 +0000 UTC" (fraction trimmed).
std::string FormatGoTime(int64_t ns);

// Loki's messages; `stream` is the stream's labels as {a="b", c="d"}.
std::string LineTooLongMessage(uint64_t limit, std::string_view stream, uint64_t length);
std::string TooOldMessage(std::string_view stream, int64_t ts_ns, int64_t cutoff_ns);
std::string TooNewMessage(std::string_view stream, int64_t ts_ns);
std::string TooFarBehindMessage(int64_t ts_ns, int64_t cutoff_ns);
std::string StreamLimitMessage(std::string_view stream, std::string_view tenant);
std::string MissingLabelsMessage();
std::string MaxLabelNamesMessage(std::string_view stream, size_t n, uint32_t limit);
std::string LabelNameTooLongMessage(std::string_view stream, std::string_view name);
std::string LabelValueTooLongMessage(std::string_view stream, std::string_view value);
std::string DuplicateLabelNamesMessage(std::string_view stream, std::string_view name);
std::string MetadataTooLargeMessage(std::string_view stream, uint64_t size, uint64_t limit);
std::string MetadataTooManyMessage(std::string_view stream, size_t n, uint32_t limit);

}  // namespace loupe::storage::logstore

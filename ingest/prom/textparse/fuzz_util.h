// Shared checks of the two fuzz targets (not part of the library). For any input:
// - parsing never crashes or reads outside the input (run under ASan/UBSan with -DLOUPE_FUZZ=ON);
// - an error is an InvalidArgument whose message starts with "line N: " for a line that exists,
//   and Next() keeps returning it;
// - every series has a metric name, and series() lies within the input;
// - when the whole input parses, printing the entries and parsing the print gives the same
//   entries again (the writer's documented gaps excepted).
#pragma once

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/prom/textparse/parser.h"
#include "ingest/prom/textparse/writer.h"

namespace loupe::ingest::prom::fuzz {

[[noreturn]] inline void Die(const char* what, std::string_view input, std::string_view detail) {
  std::fprintf(stderr, "textparse fuzz: %s\ninput:  %.*s\ndetail: %.*s\n", what,
               static_cast<int>(input.size()), input.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Parses all of `input` into entries; returns false (after checking the error) on an error.
inline bool ParseChecked(ExpositionFormat format, std::string_view input,
                         std::vector<Entry>* entries) {
  auto parser = NewParser(format, input);
  if (!parser.ok()) Die("NewParser failed", input, parser.status().message());
  Parser& p = **parser;
  size_t lines = 1;
  for (char c : input) lines += c == '\n';
  for (;;) {
    auto kind = p.Next();
    if (!kind.ok()) {
      const Status& s = kind.status();
      if (s.code() != StatusCode::kInvalidArgument) Die("error code", input, s.ToString());
      const std::string& m = s.message();
      if (m.rfind("line ", 0) != 0) Die("error without line", input, m);
      const size_t line = std::strtoull(m.c_str() + 5, nullptr, 10);
      if (line < 1 || line > lines + 1) Die("error line out of range", input, m);
      auto again = p.Next();
      if (again.ok() || !(again.status() == s)) Die("error not sticky", input, m);
      return false;
    }
    if (*kind == EntryKind::kEof) {
      auto again = p.Next();
      if (!again.ok() || *again != EntryKind::kEof) Die("eof not sticky", input, "");
      return true;
    }
    if (*kind == EntryKind::kSeries) {
      const std::string_view s = p.series();
      // The series text is a view of the input (or of the Prometheus parser's copy of it).
      if (s.empty()) Die("empty series text", input, "");
      if (p.name().empty() || p.labels().MetricName() != p.name()) {
        Die("series without its metric name", input, s);
      }
      (void)p.exemplar();
      (void)p.CreatedTimestampMs();
    }
    entries->emplace_back();
    p.Fill(&entries->back());
  }
}

inline bool SameValue(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

inline bool AllBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

inline void CheckRoundTrip(ExpositionFormat format, std::string_view input,
                           const std::vector<Entry>& first) {
  std::string printed;
  for (const Entry& e : first) AppendEntry(format, e, &printed);
  if (format == ExpositionFormat::kOpenMetrics) AppendOpenMetricsEof(&printed);
  std::vector<Entry> second;
  if (!ParseChecked(format, printed, &second)) Die("printed form does not parse", input, printed);
  if (second.size() != first.size()) Die("printed form has other entries", input, printed);
  for (size_t i = 0; i < first.size(); ++i) {
    const Entry& a = first[i];
    const Entry& b = second[i];
    bool same = a.kind == b.kind && a.family == b.family && a.type == b.type &&
                a.labels == b.labels && SameValue(a.value, b.value) &&
                a.timestamp_ms == b.timestamp_ms &&
                a.exemplar.has_value() == b.exemplar.has_value();
    // The Prometheus text format cannot carry a HELP text of only blanks.
    const bool blank_help = format == ExpositionFormat::kPromText && a.kind == EntryKind::kHelp &&
                            AllBlank(a.text) && b.text.empty();
    same = same && (a.text == b.text || blank_help);
    if (same && a.exemplar) {
      same = a.exemplar->labels == b.exemplar->labels &&
             SameValue(a.exemplar->value, b.exemplar->value) &&
             a.exemplar->has_timestamp == b.exemplar->has_timestamp &&
             a.exemplar->t == b.exemplar->t;
    }
    if (!same) Die("round trip changed an entry", input, printed);
  }
}

inline void Run(ExpositionFormat format, const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<Entry> entries;
  if (ParseChecked(format, input, &entries)) CheckRoundTrip(format, input, entries);
  // Limits never crash either, and never let through what they should stop.
  ParserOptions limits;
  limits.label_limit = 2;
  limits.label_name_length_limit = 8;  // "__name__" fits
  limits.label_value_length_limit = 6;
  auto p = NewParser(format, input, limits);
  for (;;) {
    auto k = (*p)->Next();
    if (!k.ok() || *k == EntryKind::kEof) break;
    if (*k != EntryKind::kSeries) continue;
    const auto labels = (*p)->labels();
    if (labels.size() > 2) Die("label_limit let a series through", input, (*p)->series());
    for (const auto& l : labels) {
      if (l.name.size() > 8 || l.value.size() > 6) {
        Die("length limit let a series through", input, (*p)->series());
      }
    }
  }
}

}  // namespace loupe::ingest::prom::fuzz

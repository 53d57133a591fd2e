// Test helpers (not part of the library): a one-line printed form of each parsed entry, used by
// the golden files, and an unquoter for the Go-quoted inputs of the error-case files.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "ingest/prom/textparse/go_text.h"
#include "ingest/prom/textparse/parser.h"
#include "ingest/prom/textparse/writer.h"

namespace loupe::ingest::prom::testing {

// A name as is when it is in the legacy character set, else Go-quoted (keeps goldens one line
// per entry).
inline std::string FormatName(std::string_view name, bool metric) {
  const bool legacy = metric ? IsLegacyMetricName(name) : IsLegacyLabelName(name);
  return legacy ? std::string(name) : GoQuote(name);
}

// {__name__="a", b="c"} with Go-quoted values (and non-legacy names), as Prometheus 3 prints
// label sets.
inline std::string FormatLabels(const storage::model::Labels& labels) {
  std::string s = "{";
  bool first = true;
  for (const auto& l : labels) {
    if (!first) s += ", ";
    first = false;
    s += FormatName(l.name, false);
    s += '=';
    s += GoQuote(l.value);
  }
  return s + "}";
}

// One line per entry:
//   help <family> <quoted text>
//   type <family> <type>
//   unit <family> <quoted unit>
//   comment <quoted text>
//   series <labels> <value> [@<ts ms>] family=<family>/<type> [# <labels> <value> [@<ts ms>]]
//          [created=<ms>]
inline std::string FormatCurrent(Parser& p, bool with_created) {
  std::string s = EntryKindName(p.kind());
  switch (p.kind()) {
    case EntryKind::kHelp:
    case EntryKind::kUnit:
      s += " " + FormatName(p.name(), true) + " " + GoQuote(p.text());
      break;
    case EntryKind::kType:
      s += " " + FormatName(p.name(), true) + " " + storage::model::MetricTypeName(p.type());
      break;
    case EntryKind::kComment:
      s += " " + GoQuote(p.text());
      break;
    case EntryKind::kSeries: {
      s += " " + FormatLabels(p.labels()) + " " + FormatGoFloatG(p.value());
      if (p.timestamp_ms()) s += " @" + std::to_string(*p.timestamp_ms());
      s += " family=" + FormatName(p.family(), true) + "/" +
           storage::model::MetricTypeName(p.type());
      if (auto e = p.exemplar()) {
        s += " # " + FormatLabels(e->labels) + " " + FormatGoFloatG(e->value);
        if (e->has_timestamp) s += " @" + std::to_string(e->t);
      }
      if (with_created) {
        if (auto ct = p.CreatedTimestampMs()) s += " created=" + std::to_string(*ct);
      }
      break;
    }
    case EntryKind::kEof:
      break;
  }
  return s;
}

// Parses all of `input`; one FormatCurrent line per entry, then "eof" or "error: <message>".
inline std::string ParseAll(ExpositionFormat format, std::string_view input,
                            const ParserOptions& options = {}, bool with_created = false) {
  auto parser = NewParser(format, input, options);
  if (!parser.ok()) return "error: " + parser.status().message() + "\n";
  std::string out;
  for (;;) {
    auto kind = (*parser)->Next();
    if (!kind.ok()) return out + "error: " + kind.status().message() + "\n";
    if (*kind == EntryKind::kEof) return out + "eof\n";
    out += FormatCurrent(**parser, with_created) + "\n";
  }
}

// The error Next() ends with, or "eof" when the input parses.
inline std::string FinalOutcome(ExpositionFormat format, std::string_view input,
                                const ParserOptions& options = {}) {
  auto parser = NewParser(format, input, options);
  for (;;) {
    auto kind = (*parser)->Next();
    if (!kind.ok()) return kind.status().message();
    if (*kind == EntryKind::kEof) return "eof";
  }
}

// Unquotes a Go double-quoted string literal with \n \t \r \\ \" \xNN escapes.
inline bool GoUnquote(std::string_view q, std::string* out) {
  out->clear();
  if (q.size() < 2 || q.front() != '"' || q.back() != '"') return false;
  q = q.substr(1, q.size() - 2);
  for (size_t i = 0; i < q.size(); ++i) {
    if (q[i] != '\\') {
      out->push_back(q[i]);
      continue;
    }
    if (++i >= q.size()) return false;
    switch (q[i]) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '"':
        out->push_back('"');
        break;
      case 'x': {
        if (i + 2 >= q.size()) return false;
        const std::string hex(q.substr(i + 1, 2));
        out->push_back(static_cast<char>(std::stoi(hex, nullptr, 16)));
        i += 2;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace loupe::ingest::prom::testing

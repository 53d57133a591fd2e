#include "ingest/prom/textparse/writer.h"

#include <cmath>

#include "ingest/prom/textparse/go_text.h"
#include "ingest/prom/textparse/lex_util.h"

namespace loupe::ingest::prom {
namespace {

void AppendEscaped(std::string_view s, bool escape_quote, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        if (escape_quote) {
          out->append("\\\"");
        } else {
          out->push_back(c);
        }
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  AppendEscaped(s, true, out);
  out->push_back('"');
}

// A family or metric name where a bare name may stand (HELP/TYPE/UNIT lines).
void AppendMetricName(std::string_view name, std::string* out) {
  if (IsLegacyMetricName(name)) {
    out->append(name);
  } else {
    AppendQuoted(name, out);
  }
}

void AppendLabelPairs(const storage::model::Labels& labels, bool skip_name, const char* sep,
                      bool* first, std::string* out) {
  for (const auto& l : labels) {
    if (skip_name && l.name == storage::model::kMetricNameLabel) continue;
    if (!*first) out->append(sep);
    *first = false;
    if (IsLegacyLabelName(l.name)) {
      out->append(l.name);
    } else {
      AppendQuoted(l.name, out);
    }
    out->push_back('=');
    AppendQuoted(l.value, out);
  }
}

// name{labels} or {"name",labels}.
void AppendSeries(const storage::model::Labels& labels, const char* sep, std::string* out) {
  const std::string_view name = labels.MetricName();
  bool first = true;
  if (IsLegacyMetricName(name)) {
    out->append(name);
    if (labels.size() <= 1) return;
    out->push_back('{');
  } else {
    out->push_back('{');
    AppendQuoted(name, out);
    first = false;
  }
  AppendLabelPairs(labels, true, sep, &first, out);
  out->push_back('}');
}

const char* PromTypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    default:
      return "untyped";
  }
}

void AppendProm(const Entry& e, std::string* out) {
  switch (e.kind) {
    case EntryKind::kHelp:
      out->append("# HELP ");
      AppendMetricName(e.family, out);
      if (!e.text.empty()) {
        out->push_back(' ');
        AppendEscaped(e.text, false, out);
      }
      out->push_back('\n');
      return;
    case EntryKind::kType:
      out->append("# TYPE ");
      AppendMetricName(e.family, out);
      out->push_back(' ');
      out->append(PromTypeName(e.type));
      out->push_back('\n');
      return;
    case EntryKind::kComment:
      if (e.text.empty() || e.text[0] != '#') out->append("# ");
      for (char c : e.text) out->push_back(c == '\n' ? ' ' : c);
      out->push_back('\n');
      return;
    case EntryKind::kSeries:
      AppendSeries(e.labels, ",", out);
      out->push_back(' ');
      out->append(FormatGoFloatG(e.value));
      if (e.timestamp_ms) {
        out->push_back(' ');
        out->append(std::to_string(*e.timestamp_ms));
      }
      out->push_back('\n');
      return;
    case EntryKind::kUnit:
    case EntryKind::kEof:
      return;
  }
}

void AppendOpenMetrics(const Entry& e, std::string* out) {
  switch (e.kind) {
    case EntryKind::kHelp:
      out->append("# HELP ");
      AppendMetricName(e.family, out);
      out->push_back(' ');
      AppendEscaped(e.text, true, out);
      out->push_back('\n');
      return;
    case EntryKind::kType:
      out->append("# TYPE ");
      AppendMetricName(e.family, out);
      out->push_back(' ');
      out->append(storage::model::MetricTypeName(e.type));
      out->push_back('\n');
      return;
    case EntryKind::kUnit:
      out->append("# UNIT ");
      AppendMetricName(e.family, out);
      out->push_back(' ');
      out->append(e.text);
      out->push_back('\n');
      return;
    case EntryKind::kSeries:
      AppendSeries(e.labels, ",", out);
      out->push_back(' ');
      out->append(FormatGoFloatG(e.value));
      if (e.timestamp_ms) {
        out->push_back(' ');
        out->append(FormatOpenMetricsTimestamp(*e.timestamp_ms));
      }
      if (e.exemplar) {
        out->append(" # {");
        bool first = true;
        AppendLabelPairs(e.exemplar->labels, false, ",", &first, out);
        out->append("} ");
        out->append(FormatGoFloatG(e.exemplar->value));
        if (e.exemplar->has_timestamp) {
          out->push_back(' ');
          out->append(FormatOpenMetricsTimestamp(e.exemplar->t));
        }
      }
      out->push_back('\n');
      return;
    case EntryKind::kComment:
    case EntryKind::kEof:
      return;
  }
}

bool ReadsBackAs(const std::string& text, int64_t ms) {
  double seconds = 0;
  if (ParsePromFloat(text, &seconds) != FloatParse::kOk) return false;
  const double x = seconds * 1000;
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return false;
  return static_cast<int64_t>(x) == ms;
}

}  // namespace

bool IsLegacyMetricName(std::string_view name) {
  if (name.empty() || !lex::Is(name[0], lex::kMetricStart)) return false;
  for (char c : name) {
    if (!lex::Is(c, lex::kMetricChar)) return false;
  }
  return true;
}

bool IsLegacyLabelName(std::string_view name) {
  if (name.empty() || !lex::Is(name[0], lex::kLabelStart)) return false;
  for (char c : name) {
    if (!lex::Is(c, lex::kLabelChar)) return false;
  }
  return true;
}

std::string FormatOpenMetricsTimestamp(int64_t ms) {
  // Exact decimal seconds first ("1520879607.789"); the double nearest to it may fall just
  // below the millisecond, so check, and otherwise aim at the middle of the millisecond.
  const uint64_t abs = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  std::string exact = ms < 0 ? "-" : "";
  exact += std::to_string(abs / 1000);
  if (const uint64_t frac = abs % 1000; frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 3 - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    exact += "." + f;
  }
  if (ReadsBackAs(exact, ms)) return exact;
  const double mid = (static_cast<double>(ms) + (ms < 0 ? -0.5 : 0.5)) / 1000.0;
  std::string nudged = FormatGoFloatG(mid);
  if (ReadsBackAs(nudged, ms)) return nudged;
  return exact;
}

void AppendEntry(ExpositionFormat format, const Entry& e, std::string* out) {
  if (format == ExpositionFormat::kOpenMetrics) {
    AppendOpenMetrics(e, out);
  } else {
    AppendProm(e, out);
  }
}

void AppendOpenMetricsEof(std::string* out) { out->append("# EOF\n"); }

}  // namespace loupe::ingest::prom

#include "query/promql/test/series_desc.h"

#include <cctype>
#include <cmath>
#include <cstdint>

#include "query/promql/syntax/go_text.h"
#include "query/promql/syntax/parser.h"
#include "storage/model/sample.h"

namespace loupe::query::promql::test {

using storage::model::Label;
using storage::model::Labels;

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Status Invalid(std::string_view what, std::string_view item) {
  return Status::InvalidArgument(std::string(what) + " in series values: \"" + std::string(item) +
                                 "\"");
}

// Splits at whitespace, keeping {{...}} histogram literals (which contain spaces) together.
std::vector<std::string_view> SplitItems(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    if (i >= s.size()) break;
    const size_t start = i;
    int depth = 0;
    while (i < s.size()) {
      if (s.compare(i, 2, "{{") == 0) {
        depth++;
        i += 2;
        continue;
      }
      if (depth > 0 && s.compare(i, 2, "}}") == 0) {
        depth--;
        i += 2;
        continue;
      }
      if (depth == 0 && IsSpace(s[i])) break;
      ++i;
    }
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// Scans an unsigned number (no hex: ambiguous with the `x` repetition) or Inf/NaN.
bool ScanNumber(std::string_view s, size_t* pos, double* out) {
  const size_t start = *pos;
  size_t i = start;
  if (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) {
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])) && s[i] != 'x') ++i;
    std::string word(s.substr(start, i - start));
    for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "inf") {
      *out = INFINITY;
    } else if (word == "nan") {
      *out = NAN;
    } else {
      return false;
    }
    *pos = i;
    return true;
  }
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  if (i == start || (i == start + 1 && s[start] == '.')) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    const size_t digits = j;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j > digits) i = j;
  }
  std::string err;
  if (!ParseGoNumber(s.substr(start, i - start), out, &err)) return false;
  *pos = i;
  return true;
}

bool ScanSigned(std::string_view s, size_t* pos, double* out) {
  bool neg = false;
  size_t i = *pos;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  if (!ScanNumber(s, &i, out)) return false;
  if (neg) *out = -*out;
  *pos = i;
  return true;
}

Status ParseItem(std::string_view item, std::vector<SequenceValue>* out) {
  if (item.substr(0, 2) == "{{") {
    size_t end = item.find("}}");
    if (end == std::string_view::npos) return Invalid("unterminated histogram", item);
    std::string_view rest = item.substr(end + 2);
    uint64_t n = 0;
    if (rest.empty()) {
      out->push_back({false, true, 0});
      return Status::OK();
    }
    if (rest[0] == '+' || rest[0] == '-') {
      if (rest.substr(1, 2) != "{{") return Invalid("bad histogram increment", item);
      size_t e2 = rest.find("}}");
      if (e2 == std::string_view::npos) return Invalid("unterminated histogram", item);
      rest = rest.substr(e2 + 2);
    }
    if (rest.empty() || rest[0] != 'x' || !ParseUint(rest.substr(1), &n)) {
      return Invalid("bad histogram repetition", item);
    }
    for (uint64_t i = 0; i <= n; ++i) out->push_back({false, true, 0});
    return Status::OK();
  }
  if (item[0] == '_') {
    uint64_t n = 1;
    if (item.size() > 1 && (item[1] != 'x' || !ParseUint(item.substr(2), &n))) {
      return Invalid("bad blank", item);
    }
    for (uint64_t i = 0; i < n; ++i) out->push_back({true, false, 0});
    return Status::OK();
  }
  if (item == "stale") {
    out->push_back({false, false, storage::model::StaleNaN()});
    return Status::OK();
  }
  size_t pos = 0;
  double a;
  if (!ScanSigned(item, &pos, &a)) return Invalid("bad value", item);
  if (pos == item.size()) {
    out->push_back({false, false, a});
    return Status::OK();
  }
  double b = 0;
  if (item[pos] == '+' || item[pos] == '-') {
    if (!ScanSigned(item, &pos, &b)) return Invalid("bad increment", item);
  }
  uint64_t n;
  if (pos >= item.size() || item[pos] != 'x' || !ParseUint(item.substr(pos + 1), &n)) {
    return Invalid("bad repetition", item);
  }
  for (uint64_t i = 0; i <= n; ++i) {
    out->push_back({false, false, a});
    a += b;
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<SequenceValue>> ParseSequence(std::string_view values) {
  std::vector<SequenceValue> out;
  for (std::string_view item : SplitItems(values)) {
    LOUPE_RETURN_IF_ERROR(ParseItem(item, &out));
  }
  return out;
}

Result<SeriesDesc> ParseSeriesDesc(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsSpace(line[i])) ++i;
  const size_t start = i;
  while (i < line.size() && !IsSpace(line[i]) && line[i] != '{') ++i;
  if (i < line.size() && line[i] == '{') {
    char quote = 0;
    for (++i; i < line.size(); ++i) {
      const char c = line[i];
      if (quote) {
        if (c == '\\' && quote != '`') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        quote = c;
      } else if (c == '}') {
        ++i;
        break;
      }
    }
  }
  const std::string_view metric = line.substr(start, i - start);
  if (metric.empty()) return Status::InvalidArgument("missing metric in series description");
  LOUPE_ASSIGN_OR_RETURN(auto matchers, ParseMetricSelector(metric));
  std::vector<Label> labels;
  for (const auto& m : matchers) {
    if (m.type() != storage::model::MatchType::kEqual) {
      return Status::InvalidArgument("series description labels must use '=': " +
                                     std::string(metric));
    }
    labels.push_back({m.name(), m.value()});
  }
  SeriesDesc desc;
  desc.labels = Labels::FromUnsorted(std::move(labels));
  LOUPE_ASSIGN_OR_RETURN(desc.values, ParseSequence(line.substr(i)));
  return desc;
}

}  // namespace loupe::query::promql::test

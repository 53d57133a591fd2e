#include "query/logql/eval/detected_fields.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "query/logql/log/labels_builder.h"
#include "query/logql/log/parsers.h"

namespace loupe::query::logql {

using storage::model::Label;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// strconv.ParseInt(s, 10, 64).
bool GoParseInt(std::string_view s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t j = i; j < s.size(); ++j) {
    if (!IsDigit(s[j])) return false;
  }
  int64_t v;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  auto [p, ec] = std::from_chars(b, s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// strconv.ParseFloat(s, 64) (decimal and hex forms, inf/infinity/nan; out-of-range values are
// errors in Go except when they round to ±Inf... Go returns ±Inf *and* an error then).
bool GoParseFloat(std::string_view s) {
  if (s.empty()) return false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
  const std::string lower = Lower(body);
  if (lower == "inf" || lower == "infinity" || lower == "nan")
    return !(lower == "nan" && body != s);
  // Digits (with at most one '.') and an optional exponent; hex floats need a p exponent.
  const std::string str(s);
  for (char c : str) {
    if (std::isspace(static_cast<unsigned char>(c))) return false;
  }
  if (lower.starts_with("0x") && lower.find('p') == std::string::npos) return false;
  if (lower.find('_') != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;
  // strtod accepts "1e5" etc. like Go; it also accepts "infinity" forms handled above.
  return true;
}

// strconv.ParseBool.
bool GoParseBool(std::string_view s) {
  static constexpr std::string_view kValues[] = {"1", "t", "T", "TRUE",  "true",  "True",
                                                 "0", "f", "F", "FALSE", "false", "False"};
  return std::find(std::begin(kValues), std::end(kValues), s) != std::end(kValues);
}

// time.ParseDuration's syntax: [-+]? ( [0-9]*(\.[0-9]*)? unit )+ or "0".
bool GoParseDuration(std::string_view s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (s.substr(i) == "0") return true;
  if (i == s.size()) return false;
  static constexpr std::string_view kUnits[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs",
                                                "ms", "s",  "m",         "h"};
  while (i < s.size()) {
    const size_t num_start = i;
    bool digits = false;
    while (i < s.size() && IsDigit(s[i])) {
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) {
        ++i;
        digits = true;
      }
    }
    if (!digits || i == num_start) return false;
    const size_t unit_start = i;
    while (i < s.size() && s[i] != '.' && !IsDigit(s[i])) ++i;
    const std::string_view unit = s.substr(unit_start, i - unit_start);
    if (std::find(std::begin(kUnits), std::end(kUnits), unit) == std::end(kUnits)) return false;
  }
  return true;
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt:
      return "int";
    case FieldType::kFloat:
      return "float";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDuration:
      return "duration";
    case FieldType::kBytes:
      return "bytes";
  }
  return "string";
}

bool ParseHumanBytes(std::string_view s, uint64_t* bytes) {
  // go-humanize: the number is the leading run of digits, '.' and ',' (commas dropped); the
  // rest, trimmed and lower-cased, must be a known unit ("" = bytes).
  size_t n = 0;
  std::string num;
  while (n < s.size() && (IsDigit(s[n]) || s[n] == '.' || s[n] == ',')) {
    if (s[n] != ',') num.push_back(s[n]);
    ++n;
  }
  if (num.empty()) return false;
  char* end = nullptr;
  const double f = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return false;
  std::string_view rest = s.substr(n);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
    rest.remove_prefix(1);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back())))
    rest.remove_suffix(1);
  const std::string unit = Lower(rest);
  struct Unit {
    std::string_view name;
    double mult;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},
      {"b", 1},
      {"k", 1e3},
      {"kb", 1e3},
      {"ki", 1024.0},
      {"kib", 1024.0},
      {"m", 1e6},
      {"mb", 1e6},
      {"mi", 1048576.0},
      {"mib", 1048576.0},
      {"g", 1e9},
      {"gb", 1e9},
      {"gi", 1073741824.0},
      {"gib", 1073741824.0},
      {"t", 1e12},
      {"tb", 1e12},
      {"ti", 1099511627776.0},
      {"tib", 1099511627776.0},
      {"p", 1e15},
      {"pb", 1e15},
      {"pi", 1125899906842624.0},
      {"pib", 1125899906842624.0},
      {"e", 1e18},
      {"eb", 1e18},
      {"ei", 1152921504606846976.0},
      {"eib", 1152921504606846976.0},
  };
  for (const Unit& u : kUnits) {
    if (u.name != unit) continue;
    const double v = f * u.mult;
    if (!(v < 18446744073709551616.0)) return false;  // too large
    *bytes = static_cast<uint64_t>(v);
    return true;
  }
  return false;
}

std::string FormatHumanBytes(uint64_t bytes) {
  if (bytes < 10) return std::to_string(bytes) + " B";
  static constexpr const char* kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  const double s = static_cast<double>(bytes);
  const double e = std::floor(std::log(s) / std::log(1000.0));
  const double val = std::floor(s / std::pow(1000.0, e) * 10 + 0.5) / 10;
  char buf[64];
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f %s" : "%.0f %s", val,
                kSizes[static_cast<int>(e)]);
  return buf;
}

FieldType DetermineFieldType(std::string_view value) {
  if (GoParseInt(value)) return FieldType::kInt;
  if (GoParseFloat(value)) return FieldType::kFloat;
  if (GoParseBool(value)) return FieldType::kBoolean;
  if (GoParseDuration(value)) return FieldType::kDuration;
  uint64_t b;
  if (ParseHumanBytes(value, &b)) return FieldType::kBytes;
  return FieldType::kString;
}

std::string_view ParseLineFields(const std::vector<Label>& stream, std::string_view line,
                                 std::vector<Label>* out) {
  static const ParserHints kAll;
  out->clear();
  LabelsBuilder lbs(&stream);
  std::vector<Label> st, md;
  std::string_view parser = "json";
  {
    JsonParser json(&kAll);
    std::string_view l = line;
    json.Process(0, &l, &lbs);
  }
  if (lbs.HasErr()) {
    lbs.Reset();
    parser = "logfmt";
    LogfmtParser logfmt(false, false, &kAll);
    std::string_view l = line;
    logfmt.Process(0, &l, &lbs);
    if (lbs.HasErr()) {
      out->clear();
      return "";
    }
  }
  lbs.ResetErr();
  lbs.ResetErrDetails();
  lbs.Categorized(&st, &md, out);
  return parser;
}

namespace {

bool IsErrorLabel(std::string_view name) {
  return name == kErrorLabel || name == kErrorDetailsLabel || name == kPreserveErrorLabel;
}

}  // namespace

FieldDetector::Field* FieldDetector::Get(std::string_view name, bool metadata) {
  auto it = fields_.find(name);
  if (it == fields_.end()) {
    if (fields_.size() >= limit_) return nullptr;
    it = fields_.emplace(std::string(name), Field{}).first;
    it->second.metadata = metadata;
  }
  return &it->second;
}

void FieldDetector::Add(const std::vector<Label>& stream, std::string_view line,
                        const std::vector<Label>& metadata, const std::vector<Label>& parsed) {
  for (const Label& l : metadata) {
    Field* f = Get(l.name, true);
    if (f == nullptr) continue;
    f->type = DetermineFieldType(l.value);
    f->values.insert(l.value);
  }
  std::vector<Label> fields;
  const std::string_view parser = ParseLineFields(stream, line, &fields);
  // The query's own parsed labels come first; a label the line parser also found adds its
  // value too.
  std::vector<Label> all;
  for (const Label& l : parsed) {
    if (!IsErrorLabel(l.name)) all.push_back(l);
  }
  for (Label& l : fields) all.push_back(std::move(l));
  for (const Label& l : all) {
    Field* f = Get(l.name, false);
    if (f == nullptr) continue;
    if (!parser.empty() &&
        std::find(f->parsers.begin(), f->parsers.end(), parser) == f->parsers.end()) {
      f->parsers.emplace_back(parser);
    }
    f->type = DetermineFieldType(l.value);
    f->values.insert(l.value);
  }
}

std::vector<DetectedField> FieldDetector::Fields() const {
  std::vector<DetectedField> out;
  out.reserve(fields_.size());
  for (const auto& [name, f] : fields_) {
    DetectedField d;
    d.label = name;
    d.type = f.type;
    d.cardinality = f.values.size();
    d.parsers = f.parsers;
    out.push_back(std::move(d));
  }
  return out;
}

void FieldValueCollector::Add(const std::vector<Label>& stream, std::string_view line,
                              const std::vector<Label>& metadata,
                              const std::vector<Label>& parsed) {
  if (values_.size() >= limit_) return;
  for (const Label& l : metadata) {
    if (l.name == name_) values_.insert(l.value);
  }
  std::vector<Label> fields;
  ParseLineFields(stream, line, &fields);
  for (const std::vector<Label>* list :
       {&parsed, static_cast<const std::vector<Label>*>(&fields)}) {
    for (const Label& l : *list) {
      if (l.name != name_) continue;
      uint64_t b;
      const std::string lower = Lower(l.value);
      const bool has_unit =
          !lower.empty() && std::isalpha(static_cast<unsigned char>(lower.back()));
      if (has_unit && ParseHumanBytes(l.value, &b)) {
        std::string s = FormatHumanBytes(b);
        s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
        values_.insert(std::move(s));
      } else {
        values_.insert(l.value);
      }
    }
  }
}

}  // namespace loupe::query::logql

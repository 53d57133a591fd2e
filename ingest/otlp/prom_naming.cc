#include "ingest/otlp/prom_naming.h"

#include <algorithm>
#include <vector>

#include "ingest/otlp/codec_util.h"

namespace loupe::ingest::otlp {
namespace {

struct UnitEntry {
  std::string_view otel;
  std::string_view prom;
};

// otlptranslator's unitMap (the mapping Prometheus 3.5 uses; note "TiBy" → "tibibytes").
constexpr UnitEntry kUnitMap[] = {
    {"d", "days"},
    {"h", "hours"},
    {"min", "minutes"},
    {"s", "seconds"},
    {"ms", "milliseconds"},
    {"us", "microseconds"},
    {"ns", "nanoseconds"},
    {"By", "bytes"},
    {"KiBy", "kibibytes"},
    {"MiBy", "mebibytes"},
    {"GiBy", "gibibytes"},
    {"TiBy", "tibibytes"},
    {"KBy", "kilobytes"},
    {"MBy", "megabytes"},
    {"GBy", "gigabytes"},
    {"TBy", "terabytes"},
    {"m", "meters"},
    {"V", "volts"},
    {"A", "amperes"},
    {"J", "joules"},
    {"W", "watts"},
    {"g", "grams"},
    {"Cel", "celsius"},
    {"Hz", "hertz"},
    {"1", ""},
    {"%", "percent"},
};

constexpr UnitEntry kPerUnitMap[] = {
    {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
    {"w", "week"},   {"mo", "month"}, {"y", "year"},
};

std::string_view Lookup(const UnitEntry* begin, const UnitEntry* end, std::string_view key,
                        bool* found) {
  for (const UnitEntry* e = begin; e != end; ++e) {
    if (e->otel == key) {
      *found = true;
      return e->prom;
    }
  }
  *found = false;
  return key;
}

bool IsMetricNameChar(unsigned char c) {  // [a-zA-Z0-9:]
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':';
}

bool IsLabelNameChar(unsigned char c) {  // [a-zA-Z0-9_]
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Go's strings.TrimSpace (ASCII and Unicode white space; the Unicode ones are rare enough in
// units that handling the ASCII set and U+0085/U+00A0 covers what senders produce).
std::string_view TrimSpace(std::string_view s) {
  auto is_space = [](unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Calls fn(rune_bytes) for each UTF-8 rune of s (an invalid byte is one rune of its own).
template <typename Fn>
void ForEachRune(std::string_view s, Fn&& fn) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) n = 1;
    fn(s.substr(i, n));
    i += n;
  }
}

// Splits at every rune outside [a-zA-Z0-9:] (keep_underscore: outside [a-zA-Z0-9:_]) and drops
// empty tokens, like Go's strings.FieldsFunc.
std::vector<std::string> Fields(std::string_view s, bool keep_underscore) {
  std::vector<std::string> out;
  std::string cur;
  ForEachRune(s, [&](std::string_view r) {
    const auto c = static_cast<unsigned char>(r[0]);
    if (r.size() == 1 && (IsMetricNameChar(c) || (keep_underscore && c == '_'))) {
      cur.push_back(static_cast<char>(c));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  });
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += '_';
    out += tokens[i];
  }
  return out;
}

// cleanUpUnit: runes outside [a-zA-Z0-9:] become '_', runs of '_' collapse, one leading '_' goes.
std::string CleanUpUnit(std::string_view unit) {
  std::string out;
  ForEachRune(unit, [&](std::string_view r) {
    const auto c = static_cast<unsigned char>(r[0]);
    const char ch = (r.size() == 1 && IsMetricNameChar(c)) ? static_cast<char>(c) : '_';
    if (ch == '_' && !out.empty() && out.back() == '_') return;
    out.push_back(ch);
  });
  if (!out.empty() && out.front() == '_') out.erase(0, 1);
  return out;
}

// buildUnitSuffixes: the mapped main unit and "per_"-prefixed per unit, uncleaned.
void UnitSuffixes(std::string_view unit, std::string* main_suffix, std::string* per_suffix) {
  main_suffix->clear();
  per_suffix->clear();
  const size_t slash = unit.find('/');
  const std::string_view main_otel = TrimSpace(unit.substr(0, slash));
  bool found = false;
  if (!main_otel.empty() && main_otel.find_first_of("{}") == std::string_view::npos) {
    *main_suffix = std::string(Lookup(std::begin(kUnitMap), std::end(kUnitMap), main_otel, &found));
  }
  if (slash != std::string_view::npos && slash + 1 < unit.size()) {
    const std::string_view per_otel = TrimSpace(unit.substr(slash + 1));
    if (!per_otel.empty() && per_otel.find_first_of("{}") == std::string_view::npos) {
      *per_suffix =
          std::string(Lookup(std::begin(kPerUnitMap), std::end(kPerUnitMap), per_otel, &found));
    }
    if (!per_suffix->empty()) *per_suffix = "per_" + *per_suffix;
  }
}

bool Contains(const std::vector<std::string>& tokens, std::string_view t) {
  return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}

void RemoveAll(std::vector<std::string>* tokens, std::string_view t) {
  tokens->erase(std::remove(tokens->begin(), tokens->end(), t), tokens->end());
}

std::string NormalizeName(std::string_view name, std::string_view unit, OtelMetricKind kind,
                          std::string_view ns) {
  std::vector<std::string> tokens = Fields(name, /*keep_underscore=*/false);
  std::string main_suffix, per_suffix;
  UnitSuffixes(unit, &main_suffix, &per_suffix);
  main_suffix = CleanUpUnit(main_suffix);
  per_suffix = CleanUpUnit(per_suffix);
  // addUnitTokens.
  if (Contains(tokens, main_suffix)) main_suffix.clear();
  if (per_suffix == "per_") {
    per_suffix.clear();
  } else {
    if (!per_suffix.empty() && per_suffix.back() == '_') per_suffix.pop_back();
    if (Contains(tokens, per_suffix)) per_suffix.clear();
  }
  if (!per_suffix.empty() && !main_suffix.empty() && main_suffix.back() == '_') {
    main_suffix.pop_back();
  }
  if (!main_suffix.empty()) tokens.push_back(main_suffix);
  if (!per_suffix.empty()) tokens.push_back(per_suffix);

  if (kind == OtelMetricKind::kMonotonicCounter) {
    RemoveAll(&tokens, "total");
    tokens.push_back("total");
  }
  if (unit == "1" && kind == OtelMetricKind::kGauge) {
    RemoveAll(&tokens, "ratio");
    tokens.push_back("ratio");
  }
  if (!ns.empty()) tokens.insert(tokens.begin(), std::string(ns));
  std::string out = Join(tokens);
  if (!out.empty() && IsAsciiDigit(out[0])) out.insert(0, "_");
  return out;
}

std::string EscapedNameWithoutSuffixes(std::string_view name, std::string_view ns) {
  std::string metric = Join(Fields(name, /*keep_underscore=*/true));
  if (!ns.empty()) return Join(Fields(ns, /*keep_underscore=*/true)) + "_" + metric;
  if (!metric.empty() && IsAsciiDigit(metric[0])) metric.insert(0, "_");
  return metric;
}

// trimSuffixAndDelimiter: drops "<delim><suffix>" when the name is longer than that.
std::string TrimSuffixAndDelimiter(std::string name, std::string_view suffix) {
  if (name.size() > suffix.size() + 1 && name.ends_with(suffix)) {
    name.resize(name.size() - suffix.size() - 1);
  }
  return name;
}

// buildMetricName (UTF-8 allowed): suffixes appended to the name as sent.
std::string Utf8NameWithSuffixes(std::string_view input, std::string_view unit, OtelMetricKind kind,
                                 std::string_view ns) {
  std::string name(input);
  if (!ns.empty()) name = std::string(ns) + "_" + name;
  const bool ratio = unit == "1" && kind == OtelMetricKind::kGauge;
  const bool total = kind == OtelMetricKind::kMonotonicCounter;
  if (ratio) name = TrimSuffixAndDelimiter(std::move(name), "ratio");
  if (total) name = TrimSuffixAndDelimiter(std::move(name), "total");
  std::string main_suffix, per_suffix;
  UnitSuffixes(unit, &main_suffix, &per_suffix);
  if (!per_suffix.empty()) name = TrimSuffixAndDelimiter(std::move(name), per_suffix);
  if (!main_suffix.empty() && !name.ends_with(main_suffix)) name += "_" + main_suffix;
  // The deferred appends in otlptranslator run in reverse order: per unit, _total, _ratio.
  if (!per_suffix.empty()) name += "_" + per_suffix;
  if (total) name += "_total";
  if (ratio) name += "_ratio";
  return name;
}

}  // namespace

bool ShouldEscape(TranslationStrategy s) {
  return s == TranslationStrategy::kUnderscoreEscapingWithSuffixes ||
         s == TranslationStrategy::kUnderscoreEscapingWithoutSuffixes;
}

bool ShouldAddSuffixes(TranslationStrategy s) {
  return s == TranslationStrategy::kUnderscoreEscapingWithSuffixes ||
         s == TranslationStrategy::kNoUTF8EscapingWithSuffixes;
}

std::string BuildMetricName(std::string_view name, std::string_view unit, OtelMetricKind kind,
                            std::string_view metric_namespace, TranslationStrategy strategy) {
  if (!ShouldEscape(strategy)) {
    if (ShouldAddSuffixes(strategy))
      return Utf8NameWithSuffixes(name, unit, kind, metric_namespace);
    if (metric_namespace.empty()) return std::string(name);
    return std::string(metric_namespace) + "_" + std::string(name);
  }
  std::string out = ShouldAddSuffixes(strategy)
                        ? NormalizeName(name, unit, kind, metric_namespace)
                        : EscapedNameWithoutSuffixes(name, metric_namespace);
  // A name of only underscores is invalid unless it was sent that way.
  if (out != name && out.find_first_not_of('_') == std::string::npos) out.clear();
  return out;
}

std::string BuildLabelName(std::string_view key, TranslationStrategy strategy,
                           const LabelNamerOptions& options) {
  if (key.empty() || !ShouldEscape(strategy)) return std::string(key);
  std::string out;
  out.reserve(key.size());
  ForEachRune(key, [&](std::string_view r) {
    const auto c = static_cast<unsigned char>(r[0]);
    out.push_back(r.size() == 1 && IsLabelNameChar(c) ? static_cast<char>(c) : '_');
  });
  const bool reserved = out.size() >= 2 && out[0] == '_' && out[1] == '_';
  if (!options.preserve_multiple_underscores && !reserved) {
    std::string collapsed;
    collapsed.reserve(out.size());
    for (char c : out) {
      if (c == '_' && !collapsed.empty() && collapsed.back() == '_') continue;
      collapsed.push_back(c);
    }
    out = std::move(collapsed);
  }
  if (IsAsciiDigit(out[0])) {
    out.insert(0, "key_");
  } else if (options.underscore_sanitization && out[0] == '_' &&
             (out.size() < 2 || out[1] != '_')) {
    out.insert(0, "key");
  }
  return out;
}

std::string BuildUnitName(std::string_view unit, TranslationStrategy strategy) {
  std::string main_suffix, per_suffix;
  UnitSuffixes(unit, &main_suffix, &per_suffix);
  if (ShouldEscape(strategy)) {
    main_suffix = CleanUpUnit(main_suffix);
    per_suffix = CleanUpUnit(per_suffix);
  }
  std::string u;
  if (!main_suffix.empty() && !per_suffix.empty()) {
    u = main_suffix + "_" + per_suffix;
  } else if (!main_suffix.empty()) {
    u = main_suffix;
  } else {
    u = per_suffix;
  }
  if (!u.empty() && u.front() == '_') u.erase(0, 1);
  if (!u.empty() && u.back() == '_') u.pop_back();
  return u;
}

}  // namespace loupe::ingest::otlp

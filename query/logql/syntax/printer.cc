// Canonical printing (Loki's String()) and prettifying (Loki's prettier.go).
#include "query/logql/syntax/printer.h"

#include <cctype>
#include <cmath>

#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql {
namespace {

using gocompat::Quote;

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string MatcherString(const Matcher& m) {
  return m.name() + std::string(storage::model::MatchTypeString(m.type())) + Quote(m.value());
}

bool IsRegexMeta(char c) {
  switch (c) {
    case '\\':
    case '.':
    case '+':
    case '*':
    case '?':
    case '(':
    case ')':
    case '|':
    case '[':
    case ']':
    case '{':
    case '}':
    case '^':
    case '$':
      return true;
    default:
      return false;
  }
}

bool IsLiteral(std::string_view s) {
  for (char c : s) {
    if (IsRegexMeta(c)) return false;
  }
  return true;
}

// Whether Loki's regex simplifier turns a label regex into literal filters, in which case the
// filter prints as a matcher ("a|b"); otherwise Loki prints the regex in backquotes. This
// approximates Go's regexp parse (which factors common prefixes and merges single characters
// into classes) for the shapes that matter: literals, alternations of literals, "", .*, .+.
bool SimplifiableLabelRegex(std::string_view re) {
  if (re.substr(0, 4) == "(?i)") re.remove_prefix(4);
  if (re.size() >= 2 && re.front() == '(' && re.back() == ')' && re.substr(0, 2) != "(?") {
    const std::string_view inner = re.substr(1, re.size() - 2);
    if (inner.find_first_of("()") == std::string_view::npos) re = inner;
  }
  if (re.empty() || re == ".*" || re == ".+") return true;
  std::vector<std::string_view> alts;
  size_t start = 0;
  for (size_t i = 0; i <= re.size(); ++i) {
    if (i == re.size() || re[i] == '|') {
      alts.push_back(re.substr(start, i - start));
      start = i + 1;
    }
  }
  for (size_t i = 0; i < alts.size(); ++i) {
    if (alts[i] == ".*" || alts[i] == ".+") continue;
    if (!IsLiteral(alts[i])) return false;
    if (i > 0 && !alts[i].empty() && !alts[i - 1].empty() && IsLiteral(alts[i - 1])) {
      if (alts[i][0] == alts[i - 1][0]) return false;                    // common prefix
      if (alts[i].size() == 1 && alts[i - 1].size() == 1) return false;  // character class
    }
  }
  return true;
}

std::string LineFiltersString(const std::vector<LineFilter>& filters) {
  std::vector<std::string> parts;
  for (const LineFilter& f : filters) {
    std::string s(LineMatchTypeString(f.type));
    s += ' ';
    for (size_t i = 0; i < f.terms.size(); ++i) {
      if (i > 0) s += " or ";
      s += f.terms[i].ip ? "ip(" + Quote(f.terms[i].match) + ")" : Quote(f.terms[i].match);
    }
    parts.push_back(std::move(s));
  }
  return Join(parts, " ");
}

std::string ExtractionsString(const std::vector<LabelExtraction>& ex) {
  std::vector<std::string> parts;
  for (const auto& e : ex) parts.push_back(e.label + "=" + Quote(e.expression));
  return Join(parts, ",");
}

std::string GroupingString(const Grouping& g) {
  return std::string(g.without ? " without " : " by ") + "(" + Join(g.labels, ",") + ")";
}

// "| unwrap x", "| unwrap bytes(x)".
std::string UnwrapHead(const Unwrap& u) {
  switch (u.conversion) {
    case UnwrapConversion::kNone:
      return "| unwrap " + u.label;
    case UnwrapConversion::kBytes:
      return "| unwrap bytes(" + u.label + ")";
    case UnwrapConversion::kDuration:
      return "| unwrap duration(" + u.label + ")";
    case UnwrapConversion::kDurationSeconds:
      return "| unwrap duration_seconds(" + u.label + ")";
  }
  return "";
}

std::string UnwrapString(const Unwrap& u) {
  std::string s = " " + UnwrapHead(u);
  for (const auto& f : u.post_filters) s += " | " + Print(*f);
  return s;
}

std::string LogRangeString(const LogRange& r) {
  std::string s = Print(r.selector);
  if (r.unwrap) s += UnwrapString(*r.unwrap);
  s += "[" + gocompat::FormatPromDuration(r.range_nanos) + "]";
  if (r.offset_nanos != 0) s += " offset " + gocompat::FormatGoDuration(r.offset_nanos);
  return s;
}

// The operator with its modifiers, as Loki's BinOpExpr.String() writes it.
std::string BinaryOpText(const BinaryOp& b) {
  std::string op(BinaryOpString(b.op));
  if (b.return_bool) op += " bool";
  std::string group;
  if (b.matching.card == Cardinality::kManyToOne) group = "group_left";
  if (b.matching.card == Cardinality::kOneToMany) group = "group_right";
  if (!b.matching.include.empty()) group += " (" + Join(b.matching.include, ",") + ")";
  if (b.matching.on || !b.matching.labels.empty()) {
    op += std::string(b.matching.on ? " on" : " ignoring") + " (" + Join(b.matching.labels, ",") +
          ") " + group;
  }
  return op;
}

bool TakesParam(VectorOp op) {
  return op == VectorOp::kTopk || op == VectorOp::kBottomk || op == VectorOp::kApproxTopk;
}

}  // namespace

std::string Print(const LabelFilter& f) {
  const std::string op(CompareOpString(f.op));
  switch (f.kind) {
    case LabelFilter::Kind::kMatcher: {
      const Matcher& m = *f.matcher;
      const bool regex = m.type() == MatchType::kRegexMatch || m.type() == MatchType::kRegexNoMatch;
      if (!regex || SimplifiableLabelRegex(m.value())) return MatcherString(m);
      // A raw string cannot hold a backquote, and reading one drops carriage returns (Loki
      // prints those raw anyway, losing them; we quote instead).
      const bool raw = m.value().find_first_of("`\r") == std::string::npos;
      const std::string v = raw ? "`" + m.value() + "`" : Quote(m.value());
      return m.name() + std::string(storage::model::MatchTypeString(m.type())) + v;
    }
    case LabelFilter::Kind::kNumber:
      return f.name + op + gocompat::FormatFloatF(f.number);
    case LabelFilter::Kind::kDuration:
      return f.name + op + gocompat::FormatGoDuration(f.duration_nanos);
    case LabelFilter::Kind::kBytes:
      return f.name + op + gocompat::HumanizeBytes(f.bytes);
    case LabelFilter::Kind::kIp:
      return f.name + (f.op == CompareOp::kNe ? "!=" : "=") + "ip(" + Quote(f.ip_pattern) + ")";
    case LabelFilter::Kind::kAnd:
      return "( " + Print(*f.left) + " , " + Print(*f.right) + " )";
    case LabelFilter::Kind::kOr:
      return "( " + Print(*f.left) + " or " + Print(*f.right) + " )";
  }
  return "";
}

std::string Print(const Stage& s) {
  switch (s.kind) {
    case StageKind::kLineFilter:
      return LineFiltersString(s.line_filters);
    case StageKind::kLogfmt: {
      if (s.extractions.empty()) {
        return std::string("| logfmt") + (s.strict ? " --strict" : "") +
               (s.keep_empty ? " --keep-empty" : "");
      }
      return std::string("| logfmt ") + (s.strict ? "--strict " : "") +
             (s.keep_empty ? "--keep-empty " : "") + ExtractionsString(s.extractions);
    }
    case StageKind::kJson:
      return s.extractions.empty() ? "| json" : "| json " + ExtractionsString(s.extractions);
    case StageKind::kUnpack:
      return "| unpack";
    case StageKind::kRegexp:
      return "| regexp " + Quote(s.param);
    case StageKind::kPattern:
      return "| pattern " + Quote(s.param);
    case StageKind::kLabelFilter:
      return "| " + Print(*s.label_filter);
    case StageKind::kLineFormat:
      return "| line_format " + Quote(s.param);
    case StageKind::kDecolorize:
      return "| decolorize";
    case StageKind::kLabelFormat: {
      std::vector<std::string> parts;
      for (const auto& f : s.label_formats) {
        parts.push_back(f.dst + "=" + (f.rename ? f.value : Quote(f.value)));
      }
      return "| label_format " + Join(parts, ",");
    }
    case StageKind::kDrop:
    case StageKind::kKeep: {
      std::vector<std::string> parts;
      for (const auto& n : s.named) parts.push_back(n.matcher ? MatcherString(*n.matcher) : n.name);
      return std::string(s.kind == StageKind::kDrop ? "| drop " : "| keep ") + Join(parts, ",");
    }
  }
  return "";
}

std::string Print(const LogSelector& s) {
  std::vector<std::string> ms;
  for (const Matcher& m : s.matchers) ms.push_back(MatcherString(m));
  std::string out = "{" + Join(ms, ", ") + "}";
  for (const Stage& st : s.stages) out += " " + Print(st);
  return out;
}

std::string Print(const Expr& e) {
  struct Visitor {
    std::string operator()(const LogSelector& s) { return Print(s); }
    std::string operator()(const RangeAggregation& r) {
      std::string s(RangeOpString(r.op));
      s += "(";
      if (r.param) s += gocompat::FormatFloatF(*r.param) + ",";
      s += LogRangeString(r.range) + ")";
      if (r.grouping) s += GroupingString(*r.grouping);
      return s;
    }
    std::string operator()(const VectorAggregation& v) {
      std::string s(VectorOpString(v.op));
      if (v.grouping.without || !v.grouping.labels.empty()) s += GroupingString(v.grouping);
      s += "(";
      if (TakesParam(v.op) || v.param != 0) s += std::to_string(v.param) + ",";
      return s + Print(*v.inner) + ")";
    }
    std::string operator()(const BinaryOp& b) {
      return "(" + Print(*b.lhs) + " " + BinaryOpText(b) + " " + Print(*b.rhs) + ")";
    }
    std::string operator()(const Literal& l) { return gocompat::FormatFloatV(l.value); }
    std::string operator()(const VectorLiteral& v) {
      return "vector(" + gocompat::FormatFloatFixed6(v.value) + ")";
    }
    std::string operator()(const LabelReplace& l) {
      return "label_replace(" + Print(*l.inner) + "," + Quote(l.dst) + "," + Quote(l.replacement) +
             "," + Quote(l.src) + "," + Quote(l.regex) + ")";
    }
  };
  return std::visit(Visitor{}, e.node);
}

namespace {

// Loki's lexer turns stray characters ("!", "@", 'x') into identifiers; printed back they
// read as other tokens.
bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool letter = std::isalpha(c) || c == '_' || c >= 0x80;
    if (!letter && !(i > 0 && std::isdigit(c))) return false;
  }
  return true;
}

bool AllIdentifiers(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (!IsIdentifier(n)) return false;
  }
  return true;
}

bool FilterRoundTrips(const LabelFilter& f) {
  if (f.kind != LabelFilter::Kind::kAnd && f.kind != LabelFilter::Kind::kOr) {
    const std::string& name = f.matcher ? f.matcher->name() : f.name;
    if (!IsIdentifier(name)) return false;
  }
  switch (f.kind) {
    case LabelFilter::Kind::kBytes:
      return f.bytes != 0;
    case LabelFilter::Kind::kNumber:
      return !(f.number == 0 && std::signbit(f.number));
    case LabelFilter::Kind::kAnd:
    case LabelFilter::Kind::kOr:
      return FilterRoundTrips(*f.left) && FilterRoundTrips(*f.right);
    default:
      return true;
  }
}

bool SelectorRoundTrips(const LogSelector& s) {
  for (const Matcher& m : s.matchers) {
    if (!IsIdentifier(m.name())) return false;
  }
  for (const Stage& st : s.stages) {
    if (st.label_filter && !FilterRoundTrips(*st.label_filter)) return false;
    for (const auto& e : st.extractions) {
      if (!IsIdentifier(e.label)) return false;
    }
    for (const auto& f : st.label_formats) {
      if (!IsIdentifier(f.dst) || (f.rename && !IsIdentifier(f.value))) return false;
    }
    for (const auto& n : st.named) {
      if (!IsIdentifier(n.matcher ? n.matcher->name() : n.name)) return false;
    }
  }
  return true;
}

}  // namespace

bool PrintRoundTrips(const Expr& e) {
  if (const auto* s = std::get_if<LogSelector>(&e.node)) return SelectorRoundTrips(*s);
  if (const auto* r = std::get_if<RangeAggregation>(&e.node)) {
    if (r->param && !std::isfinite(*r->param)) return false;
    if (r->grouping && !AllIdentifiers(r->grouping->labels)) return false;
    if (r->range.unwrap) {
      if (!IsIdentifier(r->range.unwrap->label)) return false;
      for (const auto& f : r->range.unwrap->post_filters) {
        if (!FilterRoundTrips(*f)) return false;
      }
    }
    return SelectorRoundTrips(r->range.selector);
  }
  if (const auto* v = std::get_if<VectorAggregation>(&e.node)) {
    return AllIdentifiers(v->grouping.labels) && PrintRoundTrips(*v->inner);
  }
  if (const auto* b = std::get_if<BinaryOp>(&e.node)) {
    return AllIdentifiers(b->matching.labels) && AllIdentifiers(b->matching.include) &&
           PrintRoundTrips(*b->lhs) && PrintRoundTrips(*b->rhs);
  }
  if (const auto* l = std::get_if<Literal>(&e.node)) {
    // "-0" reads back as a duration token.
    return std::isfinite(l->value) && !(l->value == 0 && std::signbit(l->value));
  }
  if (const auto* v = std::get_if<VectorLiteral>(&e.node)) return std::isfinite(v->value);
  if (const auto* l = std::get_if<LabelReplace>(&e.node)) return PrintRoundTrips(*l->inner);
  return true;
}

// ---- Pretty ---------------------------------------------------------------------------------

namespace {

std::string Indent(int level) { return std::string(static_cast<size_t>(level) * 2, ' '); }

struct Prettifier {
  size_t max;

  bool Split(const std::string& canonical) const { return canonical.size() > max; }

  std::string LogSelectorPretty(const LogSelector& s, int level) const {
    const std::string canonical = Print(s);
    if (s.stages.empty() || !Split(canonical)) return Indent(level) + canonical;
    std::vector<std::string> ms;
    for (const Matcher& m : s.matchers) ms.push_back(MatcherString(m));
    std::string out = Indent(level) + "{" + Join(ms, ", ") + "}\n";
    for (size_t i = 0; i < s.stages.size(); ++i) {
      out += StagePretty(s.stages[i], level + 1);
      if (i + 1 < s.stages.size()) out += "\n";
    }
    return out;
  }

  std::string StagePretty(const Stage& st, int level) const {
    if (st.kind == StageKind::kDecolorize) return Print(st);  // Loki does not indent it
    const std::string canonical = Print(st);
    if (st.kind != StageKind::kLineFilter || !Split(canonical)) return Indent(level) + canonical;
    std::string out;
    for (size_t i = 0; i < st.line_filters.size(); ++i) {
      if (i > 0) out += "\n";
      out += Indent(level) + LineFiltersString({st.line_filters[i]});
    }
    return out;
  }

  // Loki writes `without ()` as a bare " without", which does not parse; we keep the "()".
  std::string GroupingPretty(const Grouping& g) const {
    if (g.without) return " without (" + Join(g.labels, ", ") + ")";
    if (g.labels.empty()) return "";
    return " by (" + Join(g.labels, ", ") + ")";
  }

  std::string LogRangePretty(const LogRange& r, int level) const {
    std::string s = LogSelectorPretty(r.selector, level);
    if (r.unwrap) {
      const Unwrap& u = *r.unwrap;
      s += "\n" + Indent(level + 1) + UnwrapHead(u);
      for (const auto& f : u.post_filters) s += "\n" + Indent(level + 1) + "| " + Print(*f);
    }
    s += " [" + gocompat::FormatPromDuration(r.range_nanos) + "]";
    if (r.offset_nanos != 0) s += " offset " + gocompat::FormatPromDuration(r.offset_nanos);
    return s;
  }

  std::string BinaryOpPretty(const BinaryOp& b) const {
    std::string op(BinaryOpString(b.op));
    if (b.return_bool) op += " bool";
    std::string group;
    if (b.matching.card == Cardinality::kManyToOne) group = "group_left";
    if (b.matching.card == Cardinality::kOneToMany) group = "group_right";
    if (!b.matching.include.empty()) group += " (" + Join(b.matching.include, ", ") + ")";
    if (!b.matching.labels.empty()) {
      op += std::string(b.matching.on ? " on" : " ignoring") + " (" +
            Join(b.matching.labels, ", ") + ") " + group;
    }
    return op;
  }

  std::string ExprPretty(const Expr& e, int level) const {
    const std::string canonical = Print(e);
    if (const auto* s = std::get_if<LogSelector>(&e.node)) return LogSelectorPretty(*s, level);
    if (!Split(canonical)) return Indent(level) + canonical;
    if (const auto* r = std::get_if<RangeAggregation>(&e.node)) {
      std::string s = Indent(level) + std::string(RangeOpString(r->op)) + "(\n";
      if (r->param) s += Indent(level + 1) + gocompat::FormatFloatV(*r->param) + ",\n";
      s += LogRangePretty(r->range, level + 1) + "\n" + Indent(level) + ")";
      if (r->grouping) s += GroupingPretty(*r->grouping);
      return s;
    }
    if (const auto* v = std::get_if<VectorAggregation>(&e.node)) {
      std::vector<std::string> params;
      if (v->op == VectorOp::kTopk || v->op == VectorOp::kBottomk || v->param != 0) {
        params.push_back(Indent(level + 1) + std::to_string(v->param));
      }
      params.push_back(ExprPretty(*v->inner, level + 1));
      std::string s =
          Indent(level) + std::string(VectorOpString(v->op)) + GroupingPretty(v->grouping) + "(\n";
      s += Join(params, ",\n") + "\n" + Indent(level) + ")";
      return s;
    }
    if (const auto* b = std::get_if<BinaryOp>(&e.node)) {
      return ExprPretty(*b->lhs, level + 1) + "\n" + Indent(level) + BinaryOpPretty(*b) + "\n" +
             ExprPretty(*b->rhs, level + 1);
    }
    if (const auto* l = std::get_if<LabelReplace>(&e.node)) {
      std::vector<std::string> params = {
          ExprPretty(*l->inner, level + 1), Indent(level + 1) + Quote(l->dst),
          Indent(level + 1) + Quote(l->replacement), Indent(level + 1) + Quote(l->src),
          Indent(level + 1) + Quote(l->regex)};
      return Indent(level) + "label_replace(\n" + Join(params, ",\n") + "\n" + Indent(level) + ")";
    }
    return Indent(level) + canonical;  // literals, vector()
  }
};

}  // namespace

std::string Pretty(const Expr& e, size_t max_chars_per_line) {
  return Prettifier{max_chars_per_line}.ExprPretty(e, 0);
}

}  // namespace loupe::query::logql

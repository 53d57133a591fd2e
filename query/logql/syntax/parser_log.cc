// Log side of the LogQL parser: stream selectors, pipeline stages, label filters, unwrap and
// log ranges. See parser_internal.h.
#include <set>

#include "query/logql/syntax/go_compat.h"
#include "query/logql/syntax/parser_internal.h"

namespace loupe::query::logql::internal {
namespace {

bool IsLineFilterOp(Tok t) {
  switch (t) {
    case Tok::kPipeExact:
    case Tok::kPipeMatch:
    case Tok::kPipePattern:
    case Tok::kNeq:
    case Tok::kNre:
    case Tok::kNpa:
      return true;
    default:
      return false;
  }
}

LineMatchType LineMatchFromTok(Tok t) {
  switch (t) {
    case Tok::kPipeExact:
      return LineMatchType::kContains;
    case Tok::kNeq:
      return LineMatchType::kNotContains;
    case Tok::kPipeMatch:
      return LineMatchType::kRegexp;
    case Tok::kNre:
      return LineMatchType::kNotRegexp;
    case Tok::kPipePattern:
      return LineMatchType::kPattern;
    default:
      return LineMatchType::kNotPattern;
  }
}

// Loki's pattern parser checks (pkg/logql/log/pattern): captures are <identifier>, `<_>` is
// the unnamed capture, everything else is literal text. Returns "" when valid.
std::string PatternError(std::string_view p) {
  if (p.empty()) {
    return "parse error at line 1, col 1: syntax error: unexpected $end, expecting IDENTIFIER "
           "or LITERAL";
  }
  struct Node {
    bool capture;
    std::string name;
  };
  std::vector<Node> nodes;
  for (size_t i = 0; i < p.size();) {
    if (p[i] == '<' && i + 1 < p.size() &&
        (std::isalpha(static_cast<unsigned char>(p[i + 1])) || p[i + 1] == '_')) {
      size_t j = i + 2;
      while (j < p.size() && (std::isalnum(static_cast<unsigned char>(p[j])) || p[j] == '_')) ++j;
      if (j < p.size() && p[j] == '>') {
        nodes.push_back({true, std::string(p.substr(i + 1, j - i - 1))});
        i = j + 1;
        continue;
      }
    }
    if (nodes.empty() || nodes.back().capture) nodes.push_back({false, ""});
    ++i;
  }
  bool named = false;
  for (const Node& n : nodes) named = named || (n.capture && n.name != "_");
  if (!named) return "at least one capture is required";
  for (size_t i = 0; i + 1 < nodes.size(); ++i) {
    if (nodes[i].capture && nodes[i + 1].capture) {
      return "found consecutive capture '<" + nodes[i].name + "><" + nodes[i + 1].name +
             ">': invalid expression";
    }
  }
  std::set<std::string> seen;
  for (const Node& n : nodes) {
    if (!n.capture || n.name == "_") continue;
    if (!seen.insert(n.name).second) {
      return "duplicate capture name (" + n.name + "): invalid expression";
    }
  }
  return "";
}

// Loki's log.NewRegexpParser checks. Returns "" when valid.
std::string RegexpParserError(std::string_view re) {
  std::string err = gocompat::RegexpError(re);
  if (!err.empty()) return err;
  int groups = 0;
  const auto names = gocompat::RegexpCaptureNames(re, &groups);
  if (groups == 0 || names.empty()) return "at least one named capture must be supplied";
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (!seen.insert(n).second) return "duplicate extracted label name '" + n + "'";
  }
  return "";
}

}  // namespace

bool Parser::ParseMatcherValue(const std::string& name, Matcher* out) {
  MatchType mt;
  switch (type()) {
    case Tok::kEq:
      mt = MatchType::kEqual;
      break;
    case Tok::kNeq:
      mt = MatchType::kNotEqual;
      break;
    case Tok::kRe:
      mt = MatchType::kRegexMatch;
      break;
    default:
      mt = MatchType::kRegexNoMatch;
      break;
  }
  Advance();
  if (type() != Tok::kString) return Fail({Tok::kString});
  const std::string value = tok().text;
  if (mt == MatchType::kRegexMatch || mt == MatchType::kRegexNoMatch) {
    const std::string err = gocompat::RegexpError(value);
    if (!err.empty()) return FailAt(err);
  }
  auto m = Matcher::Create(mt, name, value);
  if (!m.ok()) return FailAt(m.status().message());
  *out = std::move(m).value();
  Advance();
  return true;
}

bool Parser::ParseSelector(LogSelector* sel) {
  sel->pos = tok().offset;
  Advance();  // {
  if (type() == Tok::kCloseBrace) {
    Advance();
    return true;
  }
  if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier, Tok::kCloseBrace});
  for (;;) {
    const std::string name = tok().text;
    Advance();
    if (type() != Tok::kEq && type() != Tok::kNeq && type() != Tok::kRe && type() != Tok::kNre) {
      return Fail({Tok::kEq, Tok::kNeq, Tok::kRe, Tok::kNre});
    }
    Matcher m = *Matcher::Create(MatchType::kEqual, "", "");
    if (!ParseMatcherValue(name, &m)) return false;
    sel->matchers.push_back(std::move(m));
    if (type() == Tok::kComma) {
      Advance();
      if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier});
      continue;
    }
    if (type() == Tok::kCloseBrace) {
      Advance();
      return true;
    }
    return Fail({Tok::kCloseBrace, Tok::kComma});
  }
}

bool Parser::ParsePipeline(LogSelector* sel, bool in_range) {
  for (;;) {
    if (IsLineFilterOp(type())) {
      Stage st;
      st.kind = StageKind::kLineFilter;
      st.pos = tok().offset;
      if (!ParseLineFilters(&st)) return false;
      sel->stages.push_back(std::move(st));
      continue;
    }
    if (type() != Tok::kPipe) return true;
    if (in_range && PeekNext().type == Tok::kUnwrap) return true;
    Stage st;
    st.pos = tok().offset;
    Advance();
    if (!ParseStageAfterPipe(&st)) return false;
    sel->stages.push_back(std::move(st));
  }
}

bool Parser::ParseLineFilterTerm(LineFilterTerm* term) {
  term->pos = tok().offset;
  if (type() == Tok::kString) {
    term->match = tok().text;
    Advance();
    return true;
  }
  if (type() != Tok::kIp) return Fail({Tok::kString, Tok::kIp});
  Advance();
  if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return false;
  if (type() != Tok::kString) return Fail({Tok::kString});
  term->match = tok().text;
  term->ip = true;
  Advance();
  return Expect(Tok::kCloseParen, {Tok::kCloseParen});
}

bool Parser::ParseLineFilters(Stage* stage) {
  while (IsLineFilterOp(type())) {
    LineFilter f;
    f.type = LineMatchFromTok(type());
    f.pos = tok().offset;
    Advance();
    LineFilterTerm term;
    if (!ParseLineFilterTerm(&term)) return false;
    f.terms.push_back(std::move(term));
    while (type() == Tok::kOr) {
      Advance();
      LineFilterTerm alt;
      if (!ParseLineFilterTerm(&alt)) return false;
      if (IsPositive(f.type)) {
        f.terms.push_back(std::move(alt));
      } else {
        // !(a or b) == !a and !b, as Loki rewrites it.
        LineFilter next;
        next.type = f.type;
        next.pos = alt.pos;
        next.terms.push_back(std::move(alt));
        stage->line_filters.push_back(std::move(f));
        f = std::move(next);
      }
    }
    stage->line_filters.push_back(std::move(f));
  }
  return true;
}

bool Parser::ParseExtractions(std::vector<LabelExtraction>* out) {
  for (;;) {
    if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier});
    LabelExtraction e;
    e.label = tok().text;
    Advance();
    if (type() == Tok::kEq) {
      Advance();
      if (type() != Tok::kString) return Fail({Tok::kString});
      e.expression = tok().text;
      Advance();
    } else {
      e.expression = e.label;
    }
    out->push_back(std::move(e));
    if (type() != Tok::kComma) return true;
    Advance();
  }
}

bool Parser::ParseNamedMatchers(std::vector<NamedMatcher>* out) {
  for (;;) {
    if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier});
    NamedMatcher nm;
    const std::string name = tok().text;
    Advance();
    if (type() == Tok::kEq || type() == Tok::kNeq || type() == Tok::kRe || type() == Tok::kNre) {
      Matcher m = *Matcher::Create(MatchType::kEqual, "", "");
      if (!ParseMatcherValue(name, &m)) return false;
      nm.matcher = std::move(m);
    } else {
      nm.name = name;
    }
    out->push_back(std::move(nm));
    if (type() != Tok::kComma) return true;
    Advance();
  }
}

bool Parser::ParseStageAfterPipe(Stage* st) {
  switch (type()) {
    case Tok::kLogfmt:
      st->kind = StageKind::kLogfmt;
      Advance();
      while (type() == Tok::kParserFlag) {
        if (tok().text == "--strict") st->strict = true;
        if (tok().text == "--keep-empty") st->keep_empty = true;
        Advance();
      }
      if (type() == Tok::kIdentifier) return ParseExtractions(&st->extractions);
      return true;
    case Tok::kJson:
      st->kind = StageKind::kJson;
      Advance();
      if (type() == Tok::kIdentifier) return ParseExtractions(&st->extractions);
      return true;
    case Tok::kUnpack:
      st->kind = StageKind::kUnpack;
      Advance();
      return true;
    case Tok::kDecolorize:
      st->kind = StageKind::kDecolorize;
      Advance();
      return true;
    case Tok::kRegexp:
    case Tok::kPattern: {
      const bool regexp = type() == Tok::kRegexp;
      st->kind = regexp ? StageKind::kRegexp : StageKind::kPattern;
      Advance();
      if (type() != Tok::kString) return Fail({Tok::kString});
      st->param = tok().text;
      const std::string err = regexp ? RegexpParserError(st->param) : PatternError(st->param);
      if (!err.empty()) {
        return FailAt(std::string(regexp ? "invalid regexp parser: " : "invalid pattern parser: ") +
                      err);
      }
      Advance();
      return true;
    }
    case Tok::kLineFmt:
      st->kind = StageKind::kLineFormat;
      Advance();
      if (type() != Tok::kString) return Fail({Tok::kString});
      st->param = tok().text;
      Advance();
      return true;
    case Tok::kLabelFmt:
      st->kind = StageKind::kLabelFormat;
      Advance();
      for (;;) {
        if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier});
        LabelFormat f;
        f.pos = tok().offset;
        f.dst = tok().text;
        Advance();
        if (!Expect(Tok::kEq, {Tok::kEq})) return false;
        if (type() == Tok::kIdentifier) {
          f.rename = true;
        } else if (type() != Tok::kString) {
          return Fail({Tok::kIdentifier, Tok::kString});
        }
        f.value = tok().text;
        Advance();
        st->label_formats.push_back(std::move(f));
        if (type() != Tok::kComma) return true;
        Advance();
      }
    case Tok::kDrop:
    case Tok::kKeep:
      st->kind = type() == Tok::kDrop ? StageKind::kDrop : StageKind::kKeep;
      Advance();
      return ParseNamedMatchers(&st->named);
    case Tok::kIdentifier:
    case Tok::kOpenParen:
      st->kind = StageKind::kLabelFilter;
      st->label_filter = ParseLabelFilter();
      return st->label_filter != nullptr;
    default:
      return Fail();
  }
}

namespace {

std::unique_ptr<LabelFilter> Join(LabelFilter::Kind kind, std::unique_ptr<LabelFilter> l,
                                  std::unique_ptr<LabelFilter> r) {
  auto f = std::make_unique<LabelFilter>();
  f->kind = kind;
  f->pos = l->pos;
  f->left = std::move(l);
  f->right = std::move(r);
  return f;
}

bool StartsLabelFilter(Tok t) { return t == Tok::kIdentifier || t == Tok::kOpenParen; }

}  // namespace

// Loki's grammar joins label filters with `and`, `or`, `,` and plain juxtaposition and leaves
// the precedence to yacc's conflict resolution: `or` < `and`, both left-associative, while a
// comma or juxtaposition always extends to the end of the filter. The functions below encode
// exactly that resolution.
std::unique_ptr<LabelFilter> Parser::ParseLabelFilter() {
  const Nest nest(this);
  if (!nest.ok()) return nullptr;
  auto left = ParseLabelFilterPrimary();
  if (!left) return nullptr;
  for (;;) {
    if (StartsLabelFilter(type()) || type() == Tok::kComma) {
      if (type() == Tok::kComma) {
        Advance();
        if (!StartsLabelFilter(type())) {
          Fail({Tok::kIdentifier, Tok::kOpenParen});
          return nullptr;
        }
      }
      auto right = ParseLabelFilter();
      if (!right) return nullptr;
      return Join(LabelFilter::Kind::kAnd, std::move(left), std::move(right));
    }
    if (type() == Tok::kAnd) {
      Advance();
      auto right = ParseLabelFilterAndOperand();
      if (!right) return nullptr;
      left = Join(LabelFilter::Kind::kAnd, std::move(left), std::move(right));
      continue;
    }
    if (type() == Tok::kOr) {
      Advance();
      auto right = ParseLabelFilterOrOperand();
      if (!right) return nullptr;
      left = Join(LabelFilter::Kind::kOr, std::move(left), std::move(right));
      continue;
    }
    return left;
  }
}

std::unique_ptr<LabelFilter> Parser::ParseLabelFilterAndOperand() {
  auto p = ParseLabelFilterPrimary();
  if (!p) return nullptr;
  if (StartsLabelFilter(type()) || type() == Tok::kComma) {
    if (type() == Tok::kComma) {
      Advance();
      if (!StartsLabelFilter(type())) {
        Fail({Tok::kIdentifier, Tok::kOpenParen});
        return nullptr;
      }
    }
    auto rest = ParseLabelFilter();
    if (!rest) return nullptr;
    return Join(LabelFilter::Kind::kAnd, std::move(p), std::move(rest));
  }
  return p;
}

std::unique_ptr<LabelFilter> Parser::ParseLabelFilterOrOperand() {
  auto p = ParseLabelFilterPrimary();
  if (!p) return nullptr;
  for (;;) {
    if (StartsLabelFilter(type()) || type() == Tok::kComma) {
      if (type() == Tok::kComma) {
        Advance();
        if (!StartsLabelFilter(type())) {
          Fail({Tok::kIdentifier, Tok::kOpenParen});
          return nullptr;
        }
      }
      auto rest = ParseLabelFilter();
      if (!rest) return nullptr;
      return Join(LabelFilter::Kind::kAnd, std::move(p), std::move(rest));
    }
    if (type() == Tok::kAnd) {
      Advance();
      auto right = ParseLabelFilterAndOperand();
      if (!right) return nullptr;
      p = Join(LabelFilter::Kind::kAnd, std::move(p), std::move(right));
      continue;
    }
    return p;
  }
}

std::unique_ptr<LabelFilter> Parser::ParseLabelFilterPrimary() {
  const Nest nest(this);
  if (!nest.ok()) return nullptr;
  if (type() == Tok::kOpenParen) {
    Advance();
    if (!StartsLabelFilter(type())) {
      Fail({Tok::kIdentifier, Tok::kOpenParen});
      return nullptr;
    }
    auto inner = ParseLabelFilter();
    if (!inner) return nullptr;
    if (type() != Tok::kCloseParen) {
      Fail();
      return nullptr;
    }
    Advance();
    return inner;
  }
  if (type() != Tok::kIdentifier) {
    Fail({Tok::kIdentifier, Tok::kOpenParen});
    return nullptr;
  }
  return ParseLabelFilterLeaf();
}

std::unique_ptr<LabelFilter> Parser::ParseLabelFilterLeaf() {
  auto f = std::make_unique<LabelFilter>();
  f->pos = tok().offset;
  f->name = tok().text;
  Advance();
  const Tok op = type();
  switch (op) {
    case Tok::kEq:
    case Tok::kNeq:
    case Tok::kRe:
    case Tok::kNre:
    case Tok::kCmpEq:
    case Tok::kGt:
    case Tok::kGte:
    case Tok::kLt:
    case Tok::kLte:
      break;
    default:
      Fail();
      return nullptr;
  }
  switch (op) {
    case Tok::kNeq:
      f->op = CompareOp::kNe;
      break;
    case Tok::kGt:
      f->op = CompareOp::kGt;
      break;
    case Tok::kGte:
      f->op = CompareOp::kGe;
      break;
    case Tok::kLt:
      f->op = CompareOp::kLt;
      break;
    case Tok::kLte:
      f->op = CompareOp::kLe;
      break;
    default:
      f->op = CompareOp::kEq;
      break;
  }
  const bool string_op = op == Tok::kEq || op == Tok::kNeq;
  if (op == Tok::kRe || op == Tok::kNre || (string_op && PeekNext().type == Tok::kString)) {
    Matcher m = *Matcher::Create(MatchType::kEqual, "", "");
    if (!ParseMatcherValue(f->name, &m)) return nullptr;
    f->kind = LabelFilter::Kind::kMatcher;
    f->matcher = std::move(m);
    return f;
  }
  Advance();
  switch (type()) {
    case Tok::kIp:
      if (!string_op) break;
      f->kind = LabelFilter::Kind::kIp;
      Advance();
      if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return nullptr;
      if (type() != Tok::kString) {
        Fail({Tok::kString});
        return nullptr;
      }
      f->ip_pattern = tok().text;
      Advance();
      if (!Expect(Tok::kCloseParen, {Tok::kCloseParen})) return nullptr;
      return f;
    case Tok::kDuration:
      f->kind = LabelFilter::Kind::kDuration;
      f->duration_nanos = tok().nanos;
      Advance();
      return f;
    case Tok::kBytes:
      f->kind = LabelFilter::Kind::kBytes;
      f->bytes = tok().bytes;
      Advance();
      return f;
    case Tok::kNumber:
    case Tok::kAdd:
    case Tok::kSub: {
      const bool negate = type() == Tok::kSub;
      if (type() != Tok::kNumber) {
        Advance();
        if (type() != Tok::kNumber) {
          Fail({Tok::kNumber});
          return nullptr;
        }
      }
      std::string err;
      // Loki keeps the value of a literal that fails to parse as 0.
      const double v = gocompat::ParseFloat(tok().text, &err).value_or(0);
      f->kind = LabelFilter::Kind::kNumber;
      f->number = negate ? -v : v;
      Advance();
      return f;
    }
    default:
      break;
  }
  Fail();
  return nullptr;
}

bool Parser::ParseUnwrap(Unwrap* u) {
  u->pos = tok().offset;
  Advance();  // |
  Advance();  // unwrap
  switch (type()) {
    case Tok::kIdentifier:
      u->label = tok().text;
      Advance();
      break;
    case Tok::kBytesConv:
    case Tok::kDurationConv:
    case Tok::kDurationSecondsConv:
      u->conversion = type() == Tok::kBytesConv      ? UnwrapConversion::kBytes
                      : type() == Tok::kDurationConv ? UnwrapConversion::kDuration
                                                     : UnwrapConversion::kDurationSeconds;
      Advance();
      if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return false;
      if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier});
      u->label = tok().text;
      Advance();
      if (!Expect(Tok::kCloseParen, {Tok::kCloseParen})) return false;
      break;
    default:
      return Fail(
          {Tok::kIdentifier, Tok::kBytesConv, Tok::kDurationConv, Tok::kDurationSecondsConv});
  }
  while (type() == Tok::kPipe) {
    Advance();
    if (!StartsLabelFilter(type())) return Fail({Tok::kIdentifier, Tok::kOpenParen});
    auto f = ParseLabelFilter();
    if (!f) return false;
    u->post_filters.push_back(std::move(f));
  }
  return true;
}

bool Parser::ParseOffset(LogRange* range) {
  Advance();  // offset
  if (type() != Tok::kDuration) return Fail({Tok::kDuration});
  range->offset_nanos = tok().nanos;
  Advance();
  return true;
}

// After "selector [pipeline] [unwrap]": the [range], an optional offset.
bool Parser::ParseRangeTail(LogRange* range, bool allow_pipeline, bool allow_unwrap) {
  range->range_nanos = tok().nanos;
  Advance();
  if (type() == Tok::kOffset && !ParseOffset(range)) return false;
  if (allow_pipeline && !ParsePipeline(&range->selector, true)) return false;
  if (allow_unwrap && type() == Tok::kPipe) {
    Unwrap u;
    if (!ParseUnwrap(&u)) return false;
    range->unwrap = std::move(u);
  }
  return true;
}

bool Parser::ParseLogRange(LogRange* range) {
  const Nest nest(this);
  if (!nest.ok()) return false;
  range->pos = tok().offset;
  if (type() == Tok::kOpenParen) {
    Advance();
    if (type() == Tok::kOpenParen) {
      if (!ParseLogRange(range)) return false;
      return Expect(Tok::kCloseParen, {Tok::kCloseParen});
    }
    if (type() != Tok::kOpenBrace) return Fail({Tok::kOpenBrace, Tok::kOpenParen});
    if (!ParseSelector(&range->selector)) return false;
    if (!ParsePipeline(&range->selector, true)) return false;
    const bool bare = range->selector.stages.empty();
    if (type() == Tok::kPipe) {
      Unwrap u;
      if (!ParseUnwrap(&u)) return false;
      range->unwrap = std::move(u);
    }
    if (type() != Tok::kCloseParen) {
      return range->unwrap ? Fail({Tok::kCloseParen, Tok::kPipe}) : Fail();
    }
    Advance();
    if (type() != Tok::kRange) return Fail({Tok::kRange});
    // `( selector ) [range] [offset] | unwrap x` is the only parenthesized form with an unwrap
    // after the range.
    return ParseRangeTail(range, false, bare && !range->unwrap);
  }
  if (type() != Tok::kOpenBrace) return Fail({Tok::kOpenBrace, Tok::kOpenParen});
  if (!ParseSelector(&range->selector)) return false;
  if (type() == Tok::kRange) return ParseRangeTail(range, true, true);
  if (!ParsePipeline(&range->selector, true)) return false;
  if (type() == Tok::kPipe) {
    Unwrap u;
    if (!ParseUnwrap(&u)) return false;
    range->unwrap = std::move(u);
  }
  if (type() != Tok::kRange) {
    return range->unwrap ? Fail({Tok::kRange, Tok::kPipe}) : Fail();
  }
  return ParseRangeTail(range, false, false);
}

}  // namespace loupe::query::logql::internal

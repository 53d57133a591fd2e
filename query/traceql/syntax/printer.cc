#include "query/traceql/syntax/printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace loupe::query::traceql {
namespace {

// Characters that end an unquoted attribute name (see lexer.h), plus quotes and backslashes,
// which would be read as the start of a quoted part or an escape.
bool NeedsQuoting(const Attribute& a) {
  const std::string& n = a.name;
  if (n.empty()) return true;
  if (a.scope == AttributeScope::kNone && !a.parent && n[0] >= '0' && n[0] <= '9') return true;
  if (a.parent && a.scope == AttributeScope::kNone &&
      (n.rfind("span.", 0) == 0 || n.rfind("resource.", 0) == 0)) {
    return true;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    const auto c = static_cast<unsigned char>(n[i]);
    switch (c) {
      case ' ':
      case '\t':
      case '\n':
      case '\v':
      case '\f':
      case '\r':
      case '{':
      case '}':
      case '(':
      case ')':
      case '=':
      case '~':
      case '!':
      case '<':
      case '>':
      case '&':
      case '|':
      case '^':
      case ',':
      case '"':
      case '\\':
        return true;
      default:
        break;
    }
    // Non-ASCII white space (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028/9, U+202F,
    // U+205F, U+3000): quote any name holding one of their lead sequences.
    if (c == 0xC2 && i + 1 < n.size()) {
      const auto d = static_cast<unsigned char>(n[i + 1]);
      if (d == 0x85 || d == 0xA0) return true;
    }
    if (c == 0xE1 || c == 0xE2 || c == 0xE3) return true;
  }
  return false;
}

bool IsLeaf(const FieldExpr& e) {
  return e.kind == FieldExpr::Kind::kStatic || e.kind == FieldExpr::Kind::kAttribute;
}

std::string WrapField(const FieldExpr& e) { return IsLeaf(e) ? Print(e) : "(" + Print(e) + ")"; }

std::string WrapScalar(const ScalarExpr& e) {
  return e.kind == ScalarExpr::Kind::kStatic ? Print(e) : "(" + Print(e) + ")";
}

std::string WrapSpanset(const SpansetExpr& e) { return "(" + Print(e) + ")"; }

// Numbers in metrics expressions and metrics filters: integral values as integers, others in
// Go's %g form; non-finite constants as an expression that folds back to them.
std::string FormatNumber(double v) {
  if (std::isnan(v)) return "(0 / 0)";
  if (std::isinf(v)) return v > 0 ? "(1 / 0)" : "(-1 / 0)";
  if (v == std::trunc(v) && std::fabs(v) < 1e18) {
    return std::to_string(static_cast<int64_t>(v));
  }
  return FormatGoFloat(v);
}

std::string QuoteString(const std::string& s) {
  if (s.find('`') == std::string::npos && s.find('\r') == std::string::npos) {
    return "`" + s + "`";
  }
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

// The fraction of v/10^prec without trailing zeros (".5", ".125", or ""), leaving the
// integer part in *v: Go's fmtFrac.
std::string GoFraction(uint64_t* v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const uint64_t digit = *v % 10;
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    *v /= 10;
  }
  return print ? "." + digits : "";
}

}  // namespace

std::string FormatGoDuration(int64_t nanos) {
  if (nanos == 0) return "0s";
  const bool neg = nanos < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(nanos + 1)) + 1 : static_cast<uint64_t>(nanos);
  std::string out;
  constexpr uint64_t kSecond = 1000000000;
  if (u < kSecond) {
    int prec;
    std::string unit;
    if (u < 1000) {
      prec = 0;
      unit = "ns";
    } else if (u < 1000000) {
      prec = 3;
      unit = "\xC2\xB5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    const std::string frac = GoFraction(&u, prec);
    out = std::to_string(u) + frac + unit;
  } else {
    const std::string frac = GoFraction(&u, 9);
    out = std::to_string(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

std::string FormatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits in scientific form: "d.ddde±XX".
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp = std::atoi(sci.c_str() + e + 1);
  // Go switches to %e when the exponent is < -4 or >= 6 (the shortest-form threshold).
  if (exp < -4 || exp >= 6) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + ebuf;
  }
  // %f with exactly the shortest digits.
  const int dp = exp + 1;  // digits before the decimal point
  std::string out;
  if (dp <= 0) {
    out = "0." + std::string(static_cast<size_t>(-dp), '0') + digits;
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(dp) - digits.size(), '0');
  } else {
    out = digits.substr(0, static_cast<size_t>(dp)) + "." + digits.substr(static_cast<size_t>(dp));
  }
  return sign + out;
}

std::string Print(const Static& v) {
  switch (v.type) {
    case StaticType::kNil:
      return "nil";
    case StaticType::kInt:
      if (v.i == std::numeric_limits<int64_t>::min()) return "minInt";
      return std::to_string(v.i);
    case StaticType::kFloat: {
      if (!std::isfinite(v.f)) return FormatNumber(v.f);
      std::string f = FormatGoFloat(v.f);
      if (f.find_first_of("e.") == std::string::npos) f += ".0";
      return f;
    }
    case StaticType::kString:
      return QuoteString(v.s);
    case StaticType::kBoolean:
      return v.i != 0 ? "true" : "false";
    case StaticType::kDuration:
      return FormatGoDuration(v.i);
    case StaticType::kStatus:
      return std::string(SpanStatusName(static_cast<SpanStatus>(v.i)));
    case StaticType::kKind:
      return std::string(SpanKindName(static_cast<SpanKind>(v.i)));
    default:
      return "static(?)";
  }
}

std::string Print(const Attribute& a) {
  if (a.IsIntrinsic()) return std::string(IntrinsicName(a.intrinsic));
  std::string scope;
  if (a.parent) scope = "parent.";
  if (a.scope != AttributeScope::kNone) {
    scope += std::string(AttributeScopeName(a.scope)) + ".";
  }
  if (scope.empty()) scope = ".";
  if (!NeedsQuoting(a)) return scope + a.name;
  std::string quoted = "\"";
  for (const char c : a.name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return scope + quoted + "\"";
}

std::string Print(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExpr::Kind::kStatic:
      return Print(e.value);
    case FieldExpr::Kind::kAttribute:
      return Print(e.attr);
    case FieldExpr::Kind::kUnary:
      if (e.op == Op::kExists) return WrapField(*e.lhs) + " != nil";
      if (e.op == Op::kNotExists) return WrapField(*e.lhs) + " = nil";
      // Nested unary operators need no parentheses (`--.a`, `!!.a`), which also keeps the
      // printed form no deeper than the source.
      return std::string(OpString(e.op)) + (e.lhs->kind == FieldExpr::Kind::kUnary &&
                                                    e.lhs->op != Op::kExists &&
                                                    e.lhs->op != Op::kNotExists
                                                ? Print(*e.lhs)
                                                : WrapField(*e.lhs));
    case FieldExpr::Kind::kBinary: {
      std::string lhs = WrapField(*e.lhs);
      // A negative literal on the left of * / % ^ would be read back as a negated product.
      const bool tight =
          e.op == Op::kMult || e.op == Op::kDiv || e.op == Op::kMod || e.op == Op::kPower;
      if (tight && e.lhs->kind == FieldExpr::Kind::kStatic && !lhs.empty() && lhs[0] == '-') {
        lhs = "(" + lhs + ")";
      }
      return lhs + " " + std::string(OpString(e.op)) + " " + WrapField(*e.rhs);
    }
  }
  return "";
}

std::string Print(const ScalarExpr& e) {
  switch (e.kind) {
    case ScalarExpr::Kind::kStatic:
      return Print(e.value);
    case ScalarExpr::Kind::kAggregate:
      return std::string(AggregateOpName(e.agg)) + "(" +
             (e.agg_expr ? Print(*e.agg_expr) : std::string()) + ")";
    case ScalarExpr::Kind::kPipeline:
      return Print(*e.pipeline);
    case ScalarExpr::Kind::kBinary:
      return WrapScalar(*e.lhs) + " " + std::string(OpString(e.op)) + " " + WrapScalar(*e.rhs);
  }
  return "";
}

std::string Print(const SpansetExpr& e) {
  switch (e.kind) {
    case SpansetExpr::Kind::kFilter:
      return "{ " + Print(*e.filter) + " }";
    case SpansetExpr::Kind::kPipeline:
      return Print(*e.pipeline);
    case SpansetExpr::Kind::kOperation:
      return WrapSpanset(*e.lhs) + " " + std::string(OpString(e.op)) + " " + WrapSpanset(*e.rhs);
  }
  return "";
}

std::string Print(const PipelineElement& e) {
  switch (e.kind) {
    case PipelineElement::Kind::kSpanset:
      return Print(*e.spanset);
    case PipelineElement::Kind::kScalarFilter:
      return WrapScalar(*e.lhs) + " " + std::string(OpString(e.op)) + " " + WrapScalar(*e.rhs);
    case PipelineElement::Kind::kGroupBy:
      return "by(" + Print(*e.expr) + ")";
    case PipelineElement::Kind::kCoalesce:
      return "coalesce()";
    case PipelineElement::Kind::kSelect: {
      std::string out = "select(";
      for (size_t i = 0; i < e.select.size(); ++i) {
        if (i > 0) out += ", ";
        out += Print(e.select[i]);
      }
      return out + ")";
    }
    case PipelineElement::Kind::kAggregate:
      return std::string(AggregateOpName(e.agg)) + "(" + (e.expr ? Print(*e.expr) : "") + ")";
  }
  return "";
}

std::string Print(const Pipeline& p) {
  std::string out;
  for (size_t i = 0; i < p.elements.size(); ++i) {
    if (i > 0) out += "|";
    out += Print(p.elements[i]);
  }
  return out;
}

std::string Print(const MetricsFirstStage& f) {
  std::string out = std::string(MetricsOpName(f.op)) + "(";
  if (f.op == MetricsOp::kCompare) {
    out += f.compare_filter ? Print(*f.compare_filter) : "{ true }";
    if (f.start != 0 || f.end != 0) {
      out += ", " + std::to_string(f.top_n) + ", " + std::to_string(f.start) + ", " +
             std::to_string(f.end);
    } else if (f.top_n != 10) {
      out += ", " + std::to_string(f.top_n);
    }
    return out + ")";
  }
  if (f.attr) out += Print(*f.attr);
  if (f.op == MetricsOp::kQuantileOverTime) {
    for (const double q : f.quantiles) out += "," + FormatGoFloat(q);
  }
  out += ")";
  if (!f.by.empty()) {
    out += "by(";
    for (size_t i = 0; i < f.by.size(); ++i) {
      if (i > 0) out += ",";
      out += Print(f.by[i]);
    }
    out += ")";
  }
  return out;
}

std::string Print(const SecondStage& s) {
  switch (s.kind) {
    case SecondStage::Kind::kTopK:
      return " | topk(" + std::to_string(s.limit) + ")";
    case SecondStage::Kind::kBottomK:
      return " | bottomk(" + std::to_string(s.limit) + ")";
    case SecondStage::Kind::kFilter:
      return " " + std::string(OpString(s.op)) + " " + FormatNumber(s.value);
  }
  return "";
}

std::string Print(const MetricsExpr& e) {
  std::string out;
  auto wrap = [](const MetricsExpr& x) {
    return x.kind == MetricsExpr::Kind::kScalar ? Print(x) : "(" + Print(x) + ")";
  };
  switch (e.kind) {
    case MetricsExpr::Kind::kQuery:
      out = Print(e.pipeline) + " | " + Print(e.first);
      break;
    case MetricsExpr::Kind::kScalar:
      out = FormatNumber(e.scalar);
      break;
    case MetricsExpr::Kind::kBinary:
      out = wrap(*e.lhs) + " " + std::string(OpString(e.op)) + " " + wrap(*e.rhs);
      break;
  }
  for (const SecondStage& s : e.second_stages) out += Print(s);
  return out;
}

std::string Print(const RootExpr& e) {
  std::string out = e.metrics ? Print(*e.metrics) : Print(e.pipeline);
  if (!e.hints.empty()) {
    out += " with(";
    for (size_t i = 0; i < e.hints.size(); ++i) {
      if (i > 0) out += ",";
      out += e.hints[i].name + "=" + Print(e.hints[i].value);
    }
    out += ")";
  }
  return out;
}

}  // namespace loupe::query::traceql

#include "query/promql/syntax/printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "query/promql/syntax/duration.h"
#include "query/promql/syntax/functions.h"
#include "query/promql/syntax/go_text.h"

namespace loupe::query::promql {
namespace {

bool IsPlainLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (i > 0 && c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

void AppendLabelName(std::string* out, std::string_view name) {
  if (IsPlainLabelName(name)) {
    out->append(name);
  } else {
    *out += GoQuote(name);
  }
}

void AppendLabelList(std::string* out, const std::vector<std::string>& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) *out += ", ";
    AppendLabelName(out, labels[i]);
  }
}

double ParseDecimal(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Seconds with three decimals, as Prometheus prints `@` timestamps. The parser turns them
// back into round(seconds * 1000); for timestamps beyond 2^53 ms that may not give the same
// milliseconds, and then the nearest decimal that does is printed instead.
std::string FormatAtTimestamp(int64_t ms) {
  const uint64_t abs = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  std::string frac = std::to_string(abs % 1000);
  std::string s = (ms < 0 ? "-" : "") + std::to_string(abs / 1000) + "." +
                  std::string(3 - frac.size(), '0') + frac;
  const auto round_trips = [ms](double seconds) {
    const double r = std::round(seconds * 1000);
    return std::fabs(r) < 9.223372036854775807e18 && static_cast<int64_t>(r) == ms;
  };
  if (round_trips(ParseDecimal(s))) return s;
  double up = static_cast<double>(ms) / 1000;
  double down = up;
  for (int i = 0; i < 64; ++i) {
    if (round_trips(up)) return FormatGoFloat(up);
    if (round_trips(down)) return FormatGoFloat(down);
    up = std::nextafter(up, INFINITY);
    down = std::nextafter(down, -INFINITY);
  }
  return s;
}

void AppendTimeModifiers(std::string* out, const TimeModifiers& mods) {
  switch (mods.at) {
    case AtModifier::kTimestamp:
      *out += " @ ";
      *out += FormatAtTimestamp(mods.at_ms);
      break;
    case AtModifier::kStart:
      *out += " @ start()";
      break;
    case AtModifier::kEnd:
      *out += " @ end()";
      break;
    case AtModifier::kNone:
      break;
  }
  if (mods.offset_ms > 0) {
    *out += " offset ";
    *out += FormatDuration(mods.offset_ms);
  } else if (mods.offset_ms < 0) {
    *out += " offset -";
    *out += FormatDuration(-mods.offset_ms);
  }
}

std::string MatcherString(const storage::model::Matcher& m) {
  std::string s;
  AppendLabelName(&s, m.name());
  s += storage::model::MatchTypeString(m.type());
  s += GoQuote(m.value());
  return s;
}

void AppendVectorSelector(std::string* out, const VectorSelector& vs, bool with_modifiers) {
  std::vector<std::string> matchers;
  for (const auto& m : vs.matchers) {
    if (m.name() == "__name__" && m.type() == storage::model::MatchType::kEqual &&
        m.value() == vs.name && !vs.name.empty()) {
      continue;
    }
    matchers.push_back(MatcherString(m));
  }
  out->append(vs.name);
  if (!matchers.empty()) {
    std::sort(matchers.begin(), matchers.end());
    out->push_back('{');
    for (size_t i = 0; i < matchers.size(); ++i) {
      if (i > 0) out->push_back(',');
      *out += matchers[i];
    }
    out->push_back('}');
  }
  if (with_modifiers) AppendTimeModifiers(out, vs.mods);
}

void AppendAggregateHead(std::string* out, const AggregateExpr& a) {
  out->append(AggregateOpString(a.op));
  if (a.without || !a.grouping.empty()) {
    *out += a.without ? " without (" : " by (";
    AppendLabelList(out, a.grouping);
    *out += ") ";
  }
}

void AppendBinaryOperator(std::string* out, const BinaryExpr& b) {
  out->append(BinaryOpString(b.op));
  if (b.return_bool) *out += " bool";
  if (!b.matching) return;
  const VectorMatching& vm = *b.matching;
  const bool grouped = vm.card == VectorMatchCardinality::kManyToOne ||
                       vm.card == VectorMatchCardinality::kOneToMany;
  if (vm.matching_labels.empty() && !vm.on && !grouped) return;
  *out += vm.on ? " on (" : " ignoring (";
  AppendLabelList(out, vm.matching_labels);
  out->push_back(')');
  if (grouped) {
    *out += vm.card == VectorMatchCardinality::kManyToOne ? " group_left (" : " group_right (";
    AppendLabelList(out, vm.include);
    out->push_back(')');
  }
}

// "+Inf" (Prometheus's spelling of the literal) in front of `^` would parse back as a unary
// plus over the whole power, so the left operand of `^` is spelled "Inf".
bool IsPositiveInfinityBeforePow(const BinaryExpr& b) {
  if (b.op != BinaryOp::kPow || b.lhs->kind != ExprKind::kNumberLiteral) return false;
  const auto& n = As<NumberLiteral>(*b.lhs);
  return !n.is_duration && std::isinf(n.value) && n.value > 0;
}

std::string SubquerySuffix(const SubqueryExpr& sq) {
  std::string s = "[" + FormatDuration(sq.range_ms) + ":";
  if (sq.step_ms != 0) s += FormatDuration(sq.step_ms);
  s += "]";
  AppendTimeModifiers(&s, sq.mods);
  return s;
}

void AppendExpr(std::string* out, const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral: {
      const auto& n = As<NumberLiteral>(e);
      if (!n.is_duration) {
        *out += FormatGoFloat(n.value);
      } else if (n.duration_ms < 0 || (n.duration_ms == 0 && std::signbit(n.value))) {
        // "-0s" keeps the sign of a negated zero duration: 1 / -0s is -Inf.
        *out += "-" + FormatDuration(-n.duration_ms);
      } else {
        *out += FormatDuration(n.duration_ms);
      }
      return;
    }
    case ExprKind::kStringLiteral:
      *out += GoQuote(As<StringLiteral>(e).value);
      return;
    case ExprKind::kVectorSelector:
      AppendVectorSelector(out, As<VectorSelector>(e), /*with_modifiers=*/true);
      return;
    case ExprKind::kMatrixSelector: {
      const auto& m = As<MatrixSelector>(e);
      AppendVectorSelector(out, *m.selector, /*with_modifiers=*/false);
      *out += "[" + FormatDuration(m.range_ms) + "]";
      AppendTimeModifiers(out, m.selector->mods);
      return;
    }
    case ExprKind::kSubquery: {
      const auto& sq = As<SubqueryExpr>(e);
      AppendExpr(out, *sq.expr);
      *out += SubquerySuffix(sq);
      return;
    }
    case ExprKind::kCall: {
      const auto& c = As<Call>(e);
      out->append(c.func->name);
      out->push_back('(');
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) *out += ", ";
        AppendExpr(out, *c.args[i]);
      }
      out->push_back(')');
      return;
    }
    case ExprKind::kAggregate: {
      const auto& a = As<AggregateExpr>(e);
      AppendAggregateHead(out, a);
      out->push_back('(');
      if (a.param) {
        AppendExpr(out, *a.param);
        *out += ", ";
      }
      AppendExpr(out, *a.expr);
      out->push_back(')');
      return;
    }
    case ExprKind::kBinary: {
      const auto& b = As<BinaryExpr>(e);
      if (IsPositiveInfinityBeforePow(b)) {
        *out += "Inf";
      } else {
        AppendExpr(out, *b.lhs);
      }
      out->push_back(' ');
      AppendBinaryOperator(out, b);
      out->push_back(' ');
      AppendExpr(out, *b.rhs);
      return;
    }
    case ExprKind::kUnary: {
      const auto& u = As<UnaryExpr>(e);
      out->push_back(u.op == UnaryOp::kAdd ? '+' : '-');
      AppendExpr(out, *u.expr);
      return;
    }
    case ExprKind::kParen:
      out->push_back('(');
      AppendExpr(out, *As<ParenExpr>(e).expr);
      out->push_back(')');
      return;
  }
}

// Prometheus's prettier (promql/parser/prettier.go): `level` is the indentation the parent
// asked for; a node whose one-line form fits stays on one line.
class Prettier {
 public:
  explicit Prettier(int max_width) : max_width_(max_width) {}

  std::string Pretty(const Expr& e, int level) const {
    const std::string flat = Print(e);
    const bool split = static_cast<int>(flat.size()) > max_width_;
    switch (e.kind) {
      case ExprKind::kAggregate: {
        if (!split) return Indent(level) + flat;
        const auto& a = As<AggregateExpr>(e);
        std::string s = Indent(level);
        AppendAggregateHead(&s, a);
        s += "(\n";
        if (a.param) s += Pretty(*a.param, level + 1) + ",\n";
        s += Pretty(*a.expr, level + 1) + "\n" + Indent(level) + ")";
        return s;
      }
      case ExprKind::kBinary: {
        if (!split) return Indent(level) + flat;
        const auto& b = As<BinaryExpr>(e);
        std::string op;
        AppendBinaryOperator(&op, b);
        const std::string lhs =
            IsPositiveInfinityBeforePow(b) ? Indent(level + 1) + "Inf" : Pretty(*b.lhs, level + 1);
        return lhs + "\n" + Indent(level) + op + "\n" + Pretty(*b.rhs, level + 1);
      }
      case ExprKind::kCall: {
        if (!split) return Indent(level) + flat;
        const auto& c = As<Call>(e);
        std::string s = Indent(level) + std::string(c.func->name) + "(\n";
        for (size_t i = 0; i < c.args.size(); ++i) {
          if (i > 0) s += ",\n";
          s += Pretty(*c.args[i], level + 1);
        }
        return s + "\n" + Indent(level) + ")";
      }
      case ExprKind::kParen: {
        if (!split) return Indent(level) + flat;
        return Indent(level) + "(\n" + Pretty(*As<ParenExpr>(e).expr, level + 1) + "\n" +
               Indent(level) + ")";
      }
      case ExprKind::kSubquery: {
        // As in Prometheus, an unsplit subquery is not indented.
        if (!split) return flat;
        const auto& sq = As<SubqueryExpr>(e);
        return Pretty(*sq.expr, level) + SubquerySuffix(sq);
      }
      case ExprKind::kUnary: {
        const auto& u = As<UnaryExpr>(e);
        std::string child = Pretty(*u.expr, level);
        const auto first = child.find_first_not_of(" \t\n\r\v\f");
        const auto last = child.find_last_not_of(" \t\n\r\v\f");
        child = first == std::string::npos ? "" : child.substr(first, last - first + 1);
        return Indent(level) + (u.op == UnaryOp::kAdd ? "+" : "-") + child;
      }
      case ExprKind::kNumberLiteral:
      case ExprKind::kStringLiteral:
      case ExprKind::kVectorSelector:
      case ExprKind::kMatrixSelector:
        return Indent(level) + flat;
    }
    return flat;
  }

 private:
  static std::string Indent(int level) { return std::string(2 * static_cast<size_t>(level), ' '); }

  int max_width_;
};

}  // namespace

std::string Print(const Expr& expr) {
  std::string out;
  AppendExpr(&out, expr);
  return out;
}

std::string Pretty(const Expr& expr, int max_width) { return Prettier(max_width).Pretty(expr, 0); }

}  // namespace loupe::query::promql

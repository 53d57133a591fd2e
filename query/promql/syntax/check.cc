// Type checking of a parsed tree, following Prometheus's checkAST: the same checks, in the
// same order, with the same messages and positions.
#include <string>

#include "query/promql/syntax/functions.h"
#include "query/promql/syntax/go_text.h"
#include "query/promql/syntax/parser_impl.h"

namespace loupe::query::promql::internal {
namespace {

bool IsSpaceByte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Checker {
 public:
  Checker(std::string_view input, std::vector<ParseError>* errors)
      : input_(input), errors_(errors) {}

  ValueType Check(Expr* node) {
    const ValueType type = node->Type();
    switch (node->kind) {
      case ExprKind::kAggregate:
        CheckAggregate(&As<AggregateExpr>(*node));
        break;
      case ExprKind::kBinary:
        CheckBinary(&As<BinaryExpr>(*node));
        break;
      case ExprKind::kCall:
        CheckCall(&As<Call>(*node));
        break;
      case ExprKind::kParen:
        Check(As<ParenExpr>(*node).expr.get());
        break;
      case ExprKind::kUnary: {
        auto& u = As<UnaryExpr>(*node);
        const ValueType t = Check(u.expr.get());
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          Error(u.pos,
                "unary expression only allowed on expressions of type scalar or instant "
                "vector, got " +
                    GoQuote(DocumentedType(t)));
        }
        break;
      }
      case ExprKind::kSubquery: {
        auto& sq = As<SubqueryExpr>(*node);
        const ValueType t = Check(sq.expr.get());
        if (t != ValueType::kVector) {
          Error(sq.pos, "subquery is only allowed on instant vector, got " +
                            std::string(ValueTypeName(t)) + " instead");
        }
        break;
      }
      case ExprKind::kMatrixSelector:
        Check(As<MatrixSelector>(*node).selector.get());
        break;
      case ExprKind::kVectorSelector:
        CheckVectorSelector(As<VectorSelector>(*node));
        break;
      case ExprKind::kNumberLiteral:
      case ExprKind::kStringLiteral:
        break;
    }
    return type;
  }

 private:
  void Error(PositionRange pos, std::string message) {
    errors_->push_back({pos, std::move(message)});
  }

  void ExpectType(Expr* node, ValueType want, std::string_view context) {
    const ValueType t = Check(node);
    if (t != want) {
      Error(node->pos, "expected type " + std::string(DocumentedType(want)) + " in " +
                           std::string(context) + ", got " + std::string(DocumentedType(t)));
    }
  }

  void CheckAggregate(AggregateExpr* a) {
    ExpectType(a->expr.get(), ValueType::kVector, "aggregation expression");
    switch (a->op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk:
      case AggregateOp::kQuantile:
      case AggregateOp::kLimitk:
      case AggregateOp::kLimitRatio:
        ExpectType(a->param.get(), ValueType::kScalar, "aggregation parameter");
        break;
      case AggregateOp::kCountValues:
        ExpectType(a->param.get(), ValueType::kString, "aggregation parameter");
        break;
      default:
        break;
    }
  }

  // The operator's position: from the end of the left operand to the start of the right one,
  // without surrounding whitespace.
  PositionRange OperatorRange(const BinaryExpr& b) const {
    int32_t start = b.lhs->pos.end;
    while (start < static_cast<int32_t>(input_.size()) && IsSpaceByte(input_[start])) ++start;
    int32_t end = b.rhs->pos.start - 1;
    while (end > 0 && IsSpaceByte(input_[end])) --end;
    return {start, end};
  }

  void CheckBinary(BinaryExpr* b) {
    const ValueType lt = Check(b->lhs.get());
    const ValueType rt = Check(b->rhs.get());
    const bool comparison = IsComparisonOp(b->op);
    const bool set_op = IsSetOp(b->op);
    if (b->return_bool && !comparison) {
      Error(OperatorRange(*b), "bool modifier can only be used on comparison operators");
    }
    if (comparison && !b->return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      Error(OperatorRange(*b), "comparisons between scalars must use BOOL modifier");
    }
    VectorMatching& vm = *b->matching;
    if (set_op && vm.card == VectorMatchCardinality::kOneToOne) {
      vm.card = VectorMatchCardinality::kManyToMany;
    }
    if (vm.on) {
      for (const std::string& l1 : vm.matching_labels) {
        for (const std::string& l2 : vm.include) {
          if (l1 == l2) {
            Error(OperatorRange(*b),
                  "label " + GoQuote(l1) + " must not occur in ON and GROUP clause at once");
          }
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      Error(b->lhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      Error(b->rhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!vm.matching_labels.empty()) {
        Error(b->pos, "vector matching only allowed between instant vectors");
      }
      b->matching.reset();
    } else if (set_op) {
      if (vm.card == VectorMatchCardinality::kOneToMany ||
          vm.card == VectorMatchCardinality::kManyToOne) {
        Error(b->pos, "no grouping allowed for " + GoQuote(BinaryOpString(b->op)) + " operation");
      }
      if (vm.card != VectorMatchCardinality::kManyToMany) {
        Error(b->pos, "set operations must always be many-to-many");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && set_op) {
      Error(b->pos, "set operator " + GoQuote(BinaryOpString(b->op)) +
                        " not allowed in binary scalar expression");
    }
  }

  void CheckCall(Call* c) {
    const Function& f = *c->func;
    const int nargs = static_cast<int>(c->args.size());
    const std::string name = GoQuote(f.name);
    if (f.variadic == 0) {
      if (nargs != f.MinArgs()) {
        Error(c->pos, "expected " + std::to_string(f.MinArgs()) + " argument(s) in call to " +
                          name + ", got " + std::to_string(nargs));
      }
    } else if (nargs < f.MinArgs()) {
      Error(c->pos, "expected at least " + std::to_string(f.MinArgs()) +
                        " argument(s) in call to " + name + ", got " + std::to_string(nargs));
    } else if (f.MaxArgs() >= 0 && nargs > f.MaxArgs()) {
      Error(c->pos, "expected at most " + std::to_string(f.MaxArgs()) + " argument(s) in call to " +
                        name + ", got " + std::to_string(nargs));
    }
    if (f.name == "info" && nargs > 1) {
      Expr* selector = c->args[1].get();
      if (selector->Type() != ValueType::kVector) {
        Error(c->pos, "expected type instant vector in call to function " + name + ", got " +
                          std::string(DocumentedType(selector->Type())));
      }
      if (selector->kind == ExprKind::kVectorSelector) {
        auto& vs = As<VectorSelector>(*selector);
        if (!vs.name.empty()) {
          Error(selector->pos, "expected label selectors only, got vector selector instead");
        } else {
          vs.bypass_empty_matcher_check = true;
        }
      } else {
        Error(selector->pos, "expected label selectors only");
      }
    }
    for (size_t i = 0; i < c->args.size(); ++i) {
      if (i >= f.arg_types.size() && f.variadic == 0) break;
      const ValueType want = f.ArgType(i);
      const ValueType t = Check(c->args[i].get());
      if (t != want) {
        Error(c->args[i]->pos, "expected type " + std::string(DocumentedType(want)) +
                                   " in call to function " + name + ", got " +
                                   std::string(DocumentedType(t)));
      }
    }
  }

  void CheckVectorSelector(const VectorSelector& vs) {
    if (!vs.name.empty()) {
      // The last matcher is the name written before the braces; another __name__ matcher
      // inside the braces would name the metric twice.
      for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name() == "__name__") {
          Error(vs.pos, "metric name must not be set twice: " + GoQuote(vs.name) + " or " +
                            GoQuote(vs.matchers[i].value()));
        }
      }
      return;  // a metric name is a non-empty matcher
    }
    if (vs.bypass_empty_matcher_check) return;
    for (const auto& m : vs.matchers) {
      if (!m.MatchesEmpty()) return;
    }
    // Selecting every series is almost always a typo.
    Error(vs.pos, "vector selector must contain at least one non-empty matcher");
  }

  std::string_view input_;
  std::vector<ParseError>* errors_;
};

}  // namespace

void CheckTree(std::string_view input, Expr* root, std::vector<ParseError>* errors) {
  Checker(input, errors).Check(root);
}

}  // namespace loupe::query::promql::internal

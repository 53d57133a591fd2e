#include "appliance/api/promql_ast_json.h"

#include <charconv>

#include "query/promql/syntax/functions.h"

namespace loupe::appliance::api {

namespace pq = query::promql;

namespace {

nlohmann::json Matchers(const std::vector<storage::model::Matcher>& ms) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : ms) {
    out.push_back({{"name", m.name()}, {"value", m.value()}, {"type", storage::model::MatchTypeString(m.type())}});
  }
  return out;
}

nlohmann::json Timestamp(const pq::TimeModifiers& m) {
  return m.at == pq::AtModifier::kTimestamp ? nlohmann::json(m.at_ms) : nlohmann::json(nullptr);
}

nlohmann::json StartOrEnd(const pq::TimeModifiers& m) {
  if (m.at == pq::AtModifier::kStart) return "start";
  if (m.at == pq::AtModifier::kEnd) return "end";
  return nullptr;
}

std::string FormatFloat(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, p);
}

const char* CardName(pq::VectorMatchCardinality c) {
  switch (c) {
    case pq::VectorMatchCardinality::kOneToOne: return "one-to-one";
    case pq::VectorMatchCardinality::kManyToOne: return "many-to-one";
    case pq::VectorMatchCardinality::kOneToMany: return "one-to-many";
    case pq::VectorMatchCardinality::kManyToMany: return "many-to-many";
  }
  return "";
}

}  // namespace

nlohmann::json PromqlAstJson(const pq::Expr& e) {
  switch (e.kind) {
    case pq::ExprKind::kNumberLiteral:
      return {{"type", "numberLiteral"}, {"val", FormatFloat(pq::As<pq::NumberLiteral>(e).value)}};
    case pq::ExprKind::kStringLiteral:
      return {{"type", "stringLiteral"}, {"val", pq::As<pq::StringLiteral>(e).value}};
    case pq::ExprKind::kVectorSelector: {
      const auto& v = pq::As<pq::VectorSelector>(e);
      return {{"type", "vectorSelector"}, {"name", v.name}, {"offset", v.mods.offset_ms},
              {"matchers", Matchers(v.matchers)}, {"timestamp", Timestamp(v.mods)},
              {"startOrEnd", StartOrEnd(v.mods)}, {"anchored", false}, {"smoothed", false}};
    }
    case pq::ExprKind::kMatrixSelector: {
      const auto& m = pq::As<pq::MatrixSelector>(e);
      const auto& v = *m.selector;
      return {{"type", "matrixSelector"}, {"name", v.name}, {"range", m.range_ms}, {"offset", v.mods.offset_ms},
              {"matchers", Matchers(v.matchers)}, {"timestamp", Timestamp(v.mods)},
              {"startOrEnd", StartOrEnd(v.mods)}, {"anchored", false}, {"smoothed", false}};
    }
    case pq::ExprKind::kSubquery: {
      const auto& s = pq::As<pq::SubqueryExpr>(e);
      return {{"type", "subquery"}, {"expr", PromqlAstJson(*s.expr)}, {"range", s.range_ms},
              {"offset", s.mods.offset_ms}, {"step", s.step_ms}, {"timestamp", Timestamp(s.mods)},
              {"startOrEnd", StartOrEnd(s.mods)}, {"alignEvalTime", false}};
    }
    case pq::ExprKind::kCall: {
      const auto& c = pq::As<pq::Call>(e);
      nlohmann::json args = nlohmann::json::array();
      for (const auto& a : c.args) args.push_back(PromqlAstJson(*a));
      nlohmann::json arg_types = nlohmann::json::array();
      for (auto t : c.func->arg_types) arg_types.push_back(pq::ValueTypeName(t));
      return {{"type", "call"},
              {"func", {{"name", c.func->name}, {"argTypes", arg_types}, {"variadic", c.func->variadic},
                        {"returnType", pq::ValueTypeName(c.func->return_type)}}},
              {"args", args}};
    }
    case pq::ExprKind::kAggregate: {
      const auto& a = pq::As<pq::AggregateExpr>(e);
      return {{"type", "aggregation"}, {"op", pq::AggregateOpString(a.op)}, {"expr", PromqlAstJson(*a.expr)},
              {"param", a.param ? PromqlAstJson(*a.param) : nlohmann::json(nullptr)},
              {"grouping", a.grouping}, {"without", a.without}};
    }
    case pq::ExprKind::kBinary: {
      const auto& b = pq::As<pq::BinaryExpr>(e);
      nlohmann::json matching = nullptr;
      if (b.matching) {
        matching = {{"card", CardName(b.matching->card)}, {"labels", b.matching->matching_labels},
                    {"on", b.matching->on}, {"include", b.matching->include},
                    {"fillValues", {{"lhs", nullptr}, {"rhs", nullptr}}}};
      }
      return {{"type", "binaryExpr"}, {"op", pq::BinaryOpString(b.op)}, {"lhs", PromqlAstJson(*b.lhs)},
              {"rhs", PromqlAstJson(*b.rhs)}, {"matching", matching}, {"bool", b.return_bool}};
    }
    case pq::ExprKind::kUnary: {
      const auto& u = pq::As<pq::UnaryExpr>(e);
      return {{"type", "unaryExpr"}, {"op", u.op == pq::UnaryOp::kSub ? "-" : "+"}, {"expr", PromqlAstJson(*u.expr)}};
    }
    case pq::ExprKind::kParen:
      return {{"type", "parenExpr"}, {"expr", PromqlAstJson(*pq::As<pq::ParenExpr>(e).expr)}};
    default:
      return nullptr;
  }
}

void CollectSelectors(const pq::Expr& e, std::vector<const pq::VectorSelector*>* out) {
  switch (e.kind) {
    case pq::ExprKind::kVectorSelector:
      out->push_back(&pq::As<pq::VectorSelector>(e));
      return;
    case pq::ExprKind::kMatrixSelector:
      out->push_back(pq::As<pq::MatrixSelector>(e).selector.get());
      return;
    case pq::ExprKind::kSubquery:
      CollectSelectors(*pq::As<pq::SubqueryExpr>(e).expr, out);
      return;
    case pq::ExprKind::kCall:
      for (const auto& a : pq::As<pq::Call>(e).args) CollectSelectors(*a, out);
      return;
    case pq::ExprKind::kAggregate: {
      const auto& a = pq::As<pq::AggregateExpr>(e);
      CollectSelectors(*a.expr, out);
      if (a.param) CollectSelectors(*a.param, out);
      return;
    }
    case pq::ExprKind::kBinary:
      CollectSelectors(*pq::As<pq::BinaryExpr>(e).lhs, out);
      CollectSelectors(*pq::As<pq::BinaryExpr>(e).rhs, out);
      return;
    case pq::ExprKind::kUnary:
      CollectSelectors(*pq::As<pq::UnaryExpr>(e).expr, out);
      return;
    case pq::ExprKind::kParen:
      CollectSelectors(*pq::As<pq::ParenExpr>(e).expr, out);
      return;
    default:
      return;
  }
}

}  // namespace loupe::appliance::api

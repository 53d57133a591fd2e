// Binary expressions: scalar/scalar, vector/scalar and vector/vector (with matching), on top
// of query/common/binary.h.
#include <vector>

#include "query/common/binary.h"
#include "query/promql/eval/evaluator.h"

namespace loupe::query::promql {
namespace {

query::BinaryOp ToCommon(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return query::BinaryOp::kAdd;
    case BinaryOp::kSub:
      return query::BinaryOp::kSub;
    case BinaryOp::kMul:
      return query::BinaryOp::kMul;
    case BinaryOp::kDiv:
      return query::BinaryOp::kDiv;
    case BinaryOp::kMod:
      return query::BinaryOp::kMod;
    case BinaryOp::kPow:
      return query::BinaryOp::kPow;
    case BinaryOp::kAtan2:
      return query::BinaryOp::kAtan2;
    case BinaryOp::kEqlc:
      return query::BinaryOp::kEq;
    case BinaryOp::kNeq:
      return query::BinaryOp::kNe;
    case BinaryOp::kGtr:
      return query::BinaryOp::kGt;
    case BinaryOp::kLss:
      return query::BinaryOp::kLt;
    case BinaryOp::kGte:
      return query::BinaryOp::kGe;
    case BinaryOp::kLte:
      return query::BinaryOp::kLe;
    case BinaryOp::kAnd:
      return query::BinaryOp::kAnd;
    case BinaryOp::kOr:
      return query::BinaryOp::kOr;
    case BinaryOp::kUnless:
      return query::BinaryOp::kUnless;
  }
  return query::BinaryOp::kAdd;
}

query::VectorMatching ToCommon(const VectorMatching& m) {
  query::VectorMatching out;
  switch (m.card) {
    case VectorMatchCardinality::kOneToOne:
      out.card = query::MatchCardinality::kOneToOne;
      break;
    case VectorMatchCardinality::kManyToOne:
      out.card = query::MatchCardinality::kManyToOne;
      break;
    case VectorMatchCardinality::kOneToMany:
      out.card = query::MatchCardinality::kOneToMany;
      break;
    case VectorMatchCardinality::kManyToMany:
      out.card = query::MatchCardinality::kManyToMany;
      break;
  }
  out.labels = m.matching_labels;
  out.on = m.on;
  out.include = m.include;
  return out;
}

}  // namespace

Result<Value> Evaluator::EvalBinary(const BinaryExpr& b, const EvalRange& r) {
  const query::BinaryOp op = ToCommon(b.op);
  const ValueType lt = b.lhs->Type(), rt = b.rhs->Type();
  LOUPE_ASSIGN_OR_RETURN(Value lhs, Eval(*b.lhs, r));
  LOUPE_ASSIGN_OR_RETURN(Value rhs, Eval(*b.rhs, r));

  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    for (size_t i = 0; i < lhs.scalar.size(); ++i) {
      lhs.scalar[i] = query::ScalarBinary(op, lhs.scalar[i], rhs.scalar[i]);
    }
    Release(static_cast<int64_t>(rhs.scalar.size()));
    return lhs;
  }

  if (lt == ValueType::kScalar || rt == ValueType::kScalar) {
    const bool scalar_left = lt == ValueType::kScalar;
    Value& vec = scalar_left ? rhs : lhs;
    const std::vector<double>& sc = scalar_left ? lhs.scalar : rhs.scalar;
    const bool cmp = query::IsComparison(op);
    Value out;
    out.type = ValueType::kVector;
    int64_t removed = 0;
    for (auto& s : vec.vector) {
      StepSeries o;
      o.labels = std::move(s.labels);
      o.drop_name = s.drop_name || query::ChangesMetricSchema(op) || b.return_bool;
      for (size_t j = 0; j < s.values.size(); ++j) {
        const double x = s.values[j];
        if (IsAbsent(x)) continue;
        const int64_t step = s.first + static_cast<int64_t>(j);
        const double y = sc[static_cast<size_t>(step)];
        const double l = scalar_left ? y : x;
        const double rr = scalar_left ? x : y;
        double v;
        bool keep = true;
        if (cmp) {
          keep = query::Compare(op, l, rr);
          v = x;
        } else {
          v = query::Arithmetic(op, l, rr);
        }
        if (b.return_bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (keep) {
          o.Set(step, v);
        } else {
          ++removed;
        }
      }
      if (!o.values.empty()) out.vector.push_back(std::move(o));
    }
    Release(removed + static_cast<int64_t>(sc.size()));
    return out;
  }

  // Vector op vector.
  query::VectorBinaryOp bin(op, ToCommon(b.matching.value_or(VectorMatching{})), b.return_bool);
  for (const auto& s : lhs.vector) bin.AddLeft(s.labels, s.drop_name);
  for (const auto& s : rhs.vector) bin.AddRight(s.labels, s.drop_name);
  Value out;
  out.type = ValueType::kVector;
  std::vector<int32_t> out_index;  // common output index -> position in out.vector
  std::vector<StepSample> ls, rs, res;
  const StepGatherer lgather(lhs.vector), rgather(rhs.vector);
  int64_t produced = 0;
  for (int64_t i = 0; i < r.steps; ++i) {
    if ((i & 255) == 0) LOUPE_RETURN_IF_ERROR(CheckCancel());
    res.clear();
    lgather.Gather(i, &ls);
    rgather.Gather(i, &rs);
    LOUPE_RETURN_IF_ERROR(bin.Step(ls, rs, &res));
    for (const StepSample& s : res) {
      if (s.series >= out_index.size()) out_index.resize(s.series + 1, -1);
      if (out_index[s.series] < 0) {
        out_index[s.series] = static_cast<int32_t>(out.vector.size());
        StepSeries o;
        o.labels = bin.output_labels(s.series);
        o.drop_name = bin.output_drop_name(s.series);
        out.vector.push_back(std::move(o));
      }
      out.vector[static_cast<size_t>(out_index[s.series])].Set(i, s.value);
    }
    produced += static_cast<int64_t>(res.size());
  }
  Release(CountPoints(lhs.vector) + CountPoints(rhs.vector));
  LOUPE_RETURN_IF_ERROR(Charge(produced));
  return out;
}

}  // namespace loupe::query::promql

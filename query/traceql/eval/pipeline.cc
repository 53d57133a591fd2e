// Spanset pipelines: filters, spanset and structural operators, scalar filters, aggregates,
// by(), coalesce(), select() — Tempo's Pipeline.evaluate for one trace.
#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "query/traceql/eval/evaluator.h"

namespace loupe::query::traceql::eval {
namespace {

constexpr char kMultipleSpansets[] =
    "spanset operators are not supported for multiple spansets per trace. consider using "
    "coalesce()";

std::vector<uint32_t> Union(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<uint32_t> AllSpans(const Spansets& sets) {
  std::vector<uint32_t> out;
  for (const auto& s : sets) out = Union(out, s.spans);
  return out;
}

Spanset CloneWith(const Spanset& in, std::vector<uint32_t> spans) {
  Spanset out;
  out.spans = std::move(spans);
  out.attributes = in.attributes;
  out.scalar = in.scalar;
  return out;
}

void SetAttribute(Spanset* s, const std::string& name, const Value& v) {
  for (auto& [k, val] : s->attributes) {
    if (k == name) {
      val = v;
      return;
    }
  }
  s->attributes.emplace_back(name, v);
}

}  // namespace

Result<Spansets> Program::Run(TraceContext& ctx) const {
  Spanset all;
  all.spans.resize(ctx.size());
  for (uint32_t k = 0; k < ctx.size(); ++k) all.spans[k] = k;
  Spansets in;
  if (!all.spans.empty()) in.push_back(std::move(all));
  return RunPipeline(*pipeline_, std::move(in), ctx);
}

Result<Spansets> Program::RunPipeline(const Pipeline& p, Spansets in, TraceContext& ctx) const {
  for (const auto& el : p.elements) {
    if (in.empty()) return in;
    Spansets out;
    switch (el.kind) {
      case PipelineElement::Kind::kSpanset: {
        LOUPE_ASSIGN_OR_RETURN(out, RunSpanset(*el.spanset, in, ctx));
        break;
      }
      case PipelineElement::Kind::kScalarFilter:
        for (const auto& s : in) {
          Spanset cur = s;
          LOUPE_ASSIGN_OR_RETURN(Value l, Scalar(*el.lhs, s, ctx, &cur));
          LOUPE_ASSIGN_OR_RETURN(Value r, Scalar(*el.rhs, s, ctx, &cur));
          if (BinaryOp(el.op, l, r, nullptr).IsTrue()) out.push_back(std::move(cur));
        }
        break;
      case PipelineElement::Kind::kGroupBy: {
        const std::string& name = names_.at(&el);
        for (const auto& s : in) {
          absl::flat_hash_map<std::string, size_t> keys;
          std::vector<Spanset> groups;
          for (uint32_t span : s.spans) {
            Value v = EvalValue(*el.expr, ctx, span);
            auto [it, inserted] = keys.emplace(MapKey(v), groups.size());
            const size_t g = it->second;
            if (inserted) {
              Spanset ng;
              ng.attributes = s.attributes;
              SetAttribute(&ng, name, v);
              groups.push_back(std::move(ng));
            }
            groups[g].spans.push_back(span);
          }
          for (auto& g : groups) out.push_back(std::move(g));
        }
        break;
      }
      case PipelineElement::Kind::kCoalesce: {
        Spanset merged;
        merged.spans = AllSpans(in);
        out.push_back(std::move(merged));
        break;
      }
      case PipelineElement::Kind::kSelect:
        out = std::move(in);
        break;
      case PipelineElement::Kind::kAggregate:
        for (const auto& s : in) {
          Value v = Aggregate(el.agg, el.expr.get(), s, ctx);
          if (v.IsNil()) continue;
          Spanset cur = s;
          cur.scalar = v;
          SetAttribute(&cur, names_.at(&el), v);
          out.push_back(std::move(cur));
        }
        break;
    }
    in = std::move(out);
  }
  return in;
}

Result<Spansets> Program::RunSpanset(const SpansetExpr& e, const Spansets& in,
                                     TraceContext& ctx) const {
  Spansets out;
  switch (e.kind) {
    case SpansetExpr::Kind::kFilter: {
      const Node& n = NodeOf(*e.filter);
      // `{ true }` (and `{}`) keeps everything without touching the spans.
      const bool all = n.kind == FieldExpr::Kind::kStatic && n.konst.IsTrue();
      for (const auto& s : in) {
        if (all) {
          out.push_back(s);
          continue;
        }
        std::vector<uint32_t> keep;
        for (uint32_t span : s.spans) {
          if (Holds(n, ctx, span)) keep.push_back(span);
        }
        if (!keep.empty()) out.push_back(CloneWith(s, std::move(keep)));
      }
      return out;
    }
    case SpansetExpr::Kind::kPipeline:
      return RunPipeline(*e.pipeline, in, ctx);
    case SpansetExpr::Kind::kOperation:
      break;
  }
  for (const auto& s : in) {
    Spansets cur{s};
    LOUPE_ASSIGN_OR_RETURN(Spansets lhs, RunSpanset(*e.lhs, cur, ctx));
    LOUPE_ASSIGN_OR_RETURN(Spansets rhs, RunSpanset(*e.rhs, cur, ctx));
    if (e.op == Op::kSpansetAnd) {
      if (!lhs.empty() && !rhs.empty())
        out.push_back(CloneWith(s, Union(AllSpans(lhs), AllSpans(rhs))));
      continue;
    }
    if (e.op == Op::kSpansetUnion) {
      if (!lhs.empty() || !rhs.empty())
        out.push_back(CloneWith(s, Union(AllSpans(lhs), AllSpans(rhs))));
      continue;
    }
    if (rhs.empty()) continue;
    if (lhs.size() > 1 || rhs.size() > 1) return Status::InvalidArgument(kMultipleSpansets);
    static const std::vector<uint32_t> kEmpty;
    const std::vector<uint32_t>& l = lhs.empty() ? kEmpty : lhs[0].spans;
    std::vector<uint32_t> matched = Structural(e.op, l, rhs[0].spans, ctx);
    if (!matched.empty()) out.push_back(CloneWith(s, std::move(matched)));
  }
  return out;
}

Value Program::Aggregate(AggregateOp op, const FieldExpr* e, const Spanset& ss,
                         TraceContext& ctx) const {
  if (op == AggregateOp::kCount) return Value::Int(static_cast<int64_t>(ss.spans.size()));
  if (!e) return Value::Nil();
  Value acc;
  size_t n = 0;
  bool all_int = true, all_dur = true;
  double sum = 0;
  for (uint32_t span : ss.spans) {
    Value v = EvalValue(*e, ctx, span);
    if (v.IsNil()) continue;
    switch (op) {
      case AggregateOp::kMax:
        if (n == 0 || Compare(v, acc) > 0) acc = v;
        break;
      case AggregateOp::kMin:
        if (n == 0 || Compare(v, acc) < 0) acc = v;
        break;
      default:
        if (!v.IsNumeric()) continue;
        all_int = all_int && v.kind == VKind::kInt;
        all_dur = all_dur && v.kind == VKind::kDuration;
        sum += v.AsFloat();
        break;
    }
    ++n;
  }
  if (n == 0) return Value::Nil();
  if (op == AggregateOp::kMax || op == AggregateOp::kMin) return acc;
  if (op == AggregateOp::kSum) {
    if (all_int) return Value::Int(static_cast<int64_t>(sum));
    if (all_dur) return Value::Duration(static_cast<int64_t>(sum));
    return Value::Float(sum);
  }
  const double avg = sum / static_cast<double>(n);
  if (all_dur) return Value::Duration(static_cast<int64_t>(avg));
  return Value::Float(avg);
}

Result<Value> Program::Scalar(const ScalarExpr& e, const Spanset& ss, TraceContext& ctx,
                              Spanset* out) const {
  switch (e.kind) {
    case ScalarExpr::Kind::kStatic:
      return FromStatic(e.value);
    case ScalarExpr::Kind::kAggregate: {
      Value v = Aggregate(e.agg, e.agg_expr.get(), ss, ctx);
      if (!v.IsNil()) {
        out->scalar = v;
        SetAttribute(out, names_.at(&e), v);
      }
      return v;
    }
    case ScalarExpr::Kind::kBinary: {
      LOUPE_ASSIGN_OR_RETURN(Value l, Scalar(*e.lhs, ss, ctx, out));
      LOUPE_ASSIGN_OR_RETURN(Value r, Scalar(*e.rhs, ss, ctx, out));
      return BinaryOp(e.op, l, r, nullptr);
    }
    case ScalarExpr::Kind::kPipeline: {
      LOUPE_ASSIGN_OR_RETURN(Spansets res, RunPipeline(*e.pipeline, Spansets{ss}, ctx));
      if (res.size() != 1) return Value::Nil();
      return res[0].scalar;
    }
  }
  return Value::Nil();
}

// --- Structural operators -------------------------------------------------------------------

std::vector<uint32_t> Structural(Op op, const std::vector<uint32_t>& lhs,
                                 const std::vector<uint32_t>& rhs, TraceContext& ctx) {
  const uint32_t n = ctx.size();
  std::vector<uint8_t> in_l(n, 0), in_r(n, 0);
  for (uint32_t s : lhs) in_l[s] = 1;
  for (uint32_t s : rhs) in_r[s] = 1;

  // has_anc(x, set): some proper ancestor of x is in set.
  auto has_ancestor = [&](uint32_t x, const std::vector<uint8_t>& set) {
    int32_t p = ctx.Parent(x);
    for (uint32_t guard = 0; p >= 0 && guard <= n; ++guard) {
      if (set[p]) return true;
      p = ctx.Parent(static_cast<uint32_t>(p));
    }
    return false;
  };
  // Marks every proper ancestor of the spans of `from`.
  auto ancestors_of = [&](const std::vector<uint32_t>& from) {
    std::vector<uint8_t> mark(n, 0);
    for (uint32_t s : from) {
      int32_t p = ctx.Parent(s);
      for (uint32_t guard = 0; p >= 0 && !mark[p] && guard <= n; ++guard) {
        mark[p] = 1;
        p = ctx.Parent(static_cast<uint32_t>(p));
      }
    }
    return mark;
  };
  auto parents_of = [&](const std::vector<uint32_t>& from) {
    std::vector<uint8_t> mark(n, 0);
    for (uint32_t s : from) {
      const int32_t p = ctx.Parent(s);
      if (p >= 0) mark[p] = 1;
    }
    return mark;
  };
  // Siblings: number of spans of `from` under each parent.
  auto sibling_counts = [&](const std::vector<uint32_t>& from) {
    std::vector<uint32_t> cnt(n, 0);
    for (uint32_t s : from) {
      const int32_t p = ctx.Parent(s);
      if (p >= 0) cnt[p]++;
    }
    return cnt;
  };
  auto has_sibling = [&](uint32_t x, const std::vector<uint32_t>& cnt,
                         const std::vector<uint8_t>& set) {
    const int32_t p = ctx.Parent(x);
    if (p < 0) return false;
    return cnt[p] - (set[x] ? 1u : 0u) > 0;
  };

  std::vector<uint32_t> out;
  auto keep_r = [&](const std::function<bool(uint32_t)>& pred, bool negate) {
    for (uint32_t r : rhs) {
      if (pred(r) != negate) out.push_back(r);
    }
  };
  switch (op) {
    case Op::kSpansetDescendant:
    case Op::kSpansetNotDescendant:
    case Op::kSpansetUnionDescendant:
      keep_r([&](uint32_t r) { return has_ancestor(r, in_l); }, op == Op::kSpansetNotDescendant);
      if (op == Op::kSpansetUnionDescendant && !out.empty()) {
        const auto anc = ancestors_of(out);
        for (uint32_t l : lhs) {
          if (anc[l]) out.push_back(l);
        }
      }
      break;
    case Op::kSpansetAncestor:
    case Op::kSpansetNotAncestor:
    case Op::kSpansetUnionAncestor: {
      const auto anc = ancestors_of(lhs);
      keep_r([&](uint32_t r) { return anc[r] != 0; }, op == Op::kSpansetNotAncestor);
      if (op == Op::kSpansetUnionAncestor && !out.empty()) {
        std::vector<uint8_t> kept(n, 0);
        for (uint32_t r : out) kept[r] = 1;
        for (uint32_t l : lhs) {
          if (has_ancestor(l, kept)) out.push_back(l);
        }
      }
      break;
    }
    case Op::kSpansetChild:
    case Op::kSpansetNotChild:
    case Op::kSpansetUnionChild:
      keep_r(
          [&](uint32_t r) {
            const int32_t p = ctx.Parent(r);
            return p >= 0 && in_l[p];
          },
          op == Op::kSpansetNotChild);
      if (op == Op::kSpansetUnionChild && !out.empty()) {
        const auto par = parents_of(out);
        for (uint32_t l : lhs) {
          if (par[l]) out.push_back(l);
        }
      }
      break;
    case Op::kSpansetParent:
    case Op::kSpansetNotParent:
    case Op::kSpansetUnionParent: {
      const auto par = parents_of(lhs);
      keep_r([&](uint32_t r) { return par[r] != 0; }, op == Op::kSpansetNotParent);
      if (op == Op::kSpansetUnionParent && !out.empty()) {
        std::vector<uint8_t> kept(n, 0);
        for (uint32_t r : out) kept[r] = 1;
        for (uint32_t l : lhs) {
          const int32_t p = ctx.Parent(l);
          if (p >= 0 && kept[p]) out.push_back(l);
        }
      }
      break;
    }
    case Op::kSpansetSibling:
    case Op::kSpansetNotSibling:
    case Op::kSpansetUnionSibling: {
      const auto lcnt = sibling_counts(lhs);
      keep_r([&](uint32_t r) { return has_sibling(r, lcnt, in_l); }, op == Op::kSpansetNotSibling);
      if (op == Op::kSpansetUnionSibling && !out.empty()) {
        std::vector<uint8_t> kept(n, 0);
        for (uint32_t r : out) kept[r] = 1;
        const auto rcnt = sibling_counts(out);
        for (uint32_t l : lhs) {
          if (has_sibling(l, rcnt, kept)) out.push_back(l);
        }
      }
      break;
    }
    default:
      break;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace loupe::query::traceql::eval

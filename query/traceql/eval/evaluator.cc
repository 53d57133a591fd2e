// Program compilation, trace context (tree, nested sets) and field-expression evaluation.
#include "query/traceql/eval/evaluator.h"

#include <re2/re2.h>

#include <algorithm>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "query/traceql/syntax/printer.h"

namespace loupe::query::traceql::eval {
namespace ss = storage::spanstore;

// --- TraceContext ---------------------------------------------------------------------------

TraceContext::TraceContext(const ss::SpanBatch& batch, const ss::SpanBatch::Trace& trace)
    : batch_(batch), trace_(trace), rows_(batch.Rows(trace)) {}

const ss::TraceSummary& TraceContext::summary() {
  if (!have_summary_) {
    summary_ = batch_.Summary(trace_);
    have_summary_ = true;
  }
  return summary_;
}

void TraceContext::BuildTree() {
  if (have_tree_) return;
  have_tree_ = true;
  const uint32_t n = size();
  parent_.assign(n, -1);
  children_.assign(n, 0);
  left_.assign(n, 0);
  right_.assign(n, 0);
  absl::flat_hash_map<uint64_t, uint32_t> by_id;
  by_id.reserve(n);
  for (uint32_t k = 0; k < n; ++k) by_id.emplace(batch_.SpanId(rows_[k]), k);
  std::vector<std::vector<uint32_t>> kids(n);
  std::vector<uint32_t> roots;
  for (uint32_t k = 0; k < n; ++k) {
    const uint64_t pid = batch_.ParentId(rows_[k]);
    auto it = pid ? by_id.find(pid) : by_id.end();
    if (it != by_id.end() && it->second != k) {
      parent_[k] = static_cast<int32_t>(it->second);
      kids[it->second].push_back(k);
      children_[it->second]++;
    } else {
      roots.push_back(k);
    }
  }
  auto by_start = [&](uint32_t a, uint32_t b) {
    const int64_t sa = batch_.Start(rows_[a]), sb = batch_.Start(rows_[b]);
    return sa != sb ? sa < sb : a < b;
  };
  std::sort(roots.begin(), roots.end(), by_start);
  for (auto& v : kids) std::sort(v.begin(), v.end(), by_start);
  // Iterative DFS (a cycle of parent ids cannot occur: every span has one parent and the
  // roots are exactly the spans whose parent is missing; spans on a cycle stay numbered 0).
  int64_t counter = 1;
  std::vector<std::pair<uint32_t, size_t>> stack;
  for (uint32_t r : roots) {
    stack.push_back({r, 0});
    left_[r] = counter++;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < kids[node].size()) {
        const uint32_t c = kids[node][next++];
        left_[c] = counter++;
        stack.push_back({c, 0});
      } else {
        right_[node] = counter++;
        stack.pop_back();
      }
    }
  }
}

int32_t TraceContext::Parent(uint32_t span) {
  BuildTree();
  return parent_[span];
}
int64_t TraceContext::ChildCount(uint32_t span) {
  BuildTree();
  return children_[span];
}
int64_t TraceContext::NestedLeft(uint32_t span) {
  BuildTree();
  return left_[span];
}
int64_t TraceContext::NestedRight(uint32_t span) {
  BuildTree();
  return right_[span];
}
int64_t TraceContext::NestedParent(uint32_t span) {
  BuildTree();
  return parent_[span] < 0 ? -1 : left_[parent_[span]];
}

// --- Compilation ----------------------------------------------------------------------------

namespace {

ss::Scope ScopeOf(AttributeScope s) {
  switch (s) {
    case AttributeScope::kNone:
      return ss::Scope::kNone;
    case AttributeScope::kResource:
      return ss::Scope::kResource;
    case AttributeScope::kSpan:
      return ss::Scope::kSpan;
    case AttributeScope::kEvent:
      return ss::Scope::kEvent;
    case AttributeScope::kLink:
      return ss::Scope::kLink;
    case AttributeScope::kInstrumentation:
      return ss::Scope::kInstrumentation;
  }
  return ss::Scope::kNone;
}

bool ReadsEvent(const Attribute& a) {
  return a.intrinsic == Intrinsic::kEventName || a.intrinsic == Intrinsic::kEventTimeSinceStart ||
         (!a.IsIntrinsic() && a.scope == AttributeScope::kEvent);
}
bool ReadsLink(const Attribute& a) {
  return a.intrinsic == Intrinsic::kLinkSpanID || a.intrinsic == Intrinsic::kLinkTraceID ||
         (!a.IsIntrinsic() && a.scope == AttributeScope::kLink);
}

}  // namespace

void Program::Touch(const Attribute& a) {
  for (const auto& t : touched_.attributes) {
    if (t == a) return;
  }
  touched_.attributes.push_back(a);
  if (a.intrinsic == Intrinsic::kChildCount || a.intrinsic == Intrinsic::kNestedSetLeft ||
      a.intrinsic == Intrinsic::kNestedSetRight || a.intrinsic == Intrinsic::kNestedSetParent) {
    touched_.tree = true;
  }
  if (ReadsEvent(a)) touched_.events = true;
  if (ReadsLink(a)) touched_.links = true;
}

std::unique_ptr<Program::Node> Program::CompileNode(const FieldExpr& e) {
  auto n = std::make_unique<Node>();
  n->kind = e.kind;
  n->op = e.op;
  switch (e.kind) {
    case FieldExpr::Kind::kStatic:
      n->konst = FromStatic(e.value);
      break;
    case FieldExpr::Kind::kAttribute:
      n->attr = e.attr;
      n->scope = ScopeOf(e.attr.scope);
      n->events = ReadsEvent(e.attr);
      n->links = ReadsLink(e.attr);
      Touch(e.attr);
      break;
    case FieldExpr::Kind::kBinary:
      n->lhs = CompileNode(*e.lhs);
      n->rhs = CompileNode(*e.rhs);
      n->events = n->lhs->events || n->rhs->events;
      n->links = n->lhs->links || n->rhs->links;
      if ((e.op == Op::kRegex || e.op == Op::kNotRegex) &&
          e.rhs->kind == FieldExpr::Kind::kStatic && e.rhs->value.type == StaticType::kString) {
        auto re = std::make_shared<re2::RE2>(e.rhs->value.s, re2::RE2::Quiet);
        if (re->ok()) n->re = std::move(re);
      }
      break;
    case FieldExpr::Kind::kUnary:
      n->lhs = CompileNode(*e.lhs);
      n->events = n->lhs->events;
      n->links = n->lhs->links;
      break;
  }
  return n;
}

void Program::PrepareScalar(const ScalarExpr& e) {
  switch (e.kind) {
    case ScalarExpr::Kind::kStatic:
      break;
    case ScalarExpr::Kind::kAggregate:
      names_[&e] = Print(e);
      if (e.agg_expr) nodes_[e.agg_expr.get()] = CompileNode(*e.agg_expr);
      break;
    case ScalarExpr::Kind::kBinary:
      PrepareScalar(*e.lhs);
      PrepareScalar(*e.rhs);
      break;
    case ScalarExpr::Kind::kPipeline:
      PreparePipeline(*e.pipeline);
      break;
  }
}

void Program::PrepareSpanset(const SpansetExpr& e) {
  switch (e.kind) {
    case SpansetExpr::Kind::kFilter:
      nodes_[e.filter.get()] = CompileNode(*e.filter);
      break;
    case SpansetExpr::Kind::kOperation:
      if (e.op != Op::kSpansetAnd && e.op != Op::kSpansetUnion) touched_.structural = true;
      PrepareSpanset(*e.lhs);
      PrepareSpanset(*e.rhs);
      break;
    case SpansetExpr::Kind::kPipeline:
      PreparePipeline(*e.pipeline);
      break;
  }
}

void Program::PreparePipeline(const Pipeline& p) {
  for (const auto& el : p.elements) {
    switch (el.kind) {
      case PipelineElement::Kind::kSpanset:
        PrepareSpanset(*el.spanset);
        break;
      case PipelineElement::Kind::kScalarFilter:
        PrepareScalar(*el.lhs);
        PrepareScalar(*el.rhs);
        break;
      case PipelineElement::Kind::kGroupBy:
        names_[&el] = "by(" + Print(*el.expr) + ")";
        nodes_[el.expr.get()] = CompileNode(*el.expr);
        break;
      case PipelineElement::Kind::kAggregate: {
        std::string arg = el.expr ? Print(*el.expr) : "";
        names_[&el] = std::string(AggregateOpName(el.agg)) + "(" + arg + ")";
        if (el.expr) nodes_[el.expr.get()] = CompileNode(*el.expr);
        break;
      }
      case PipelineElement::Kind::kSelect:
        for (const auto& a : el.select) Touch(a);
        break;
      case PipelineElement::Kind::kCoalesce:
        break;
    }
  }
}

Result<std::unique_ptr<Program>> Program::Compile(const Pipeline& pipeline) {
  std::unique_ptr<Program> p(new Program());
  p->pipeline_ = &pipeline;
  p->PreparePipeline(pipeline);
  return p;
}

// --- Field evaluation -----------------------------------------------------------------------

namespace {

std::optional<ss::AttrView> FindAttr(const std::vector<ss::AttrView>& attrs, std::string_view key) {
  for (const auto& a : attrs) {
    if (a.key == key) return a;
  }
  return std::nullopt;
}

}  // namespace

Value Program::ReadBound(const Attribute& a, TraceContext& ctx, uint32_t span,
                         const Bind& b) const {
  const ss::SpanBatch& batch = ctx.batch();
  const uint32_t row = ctx.row(span);
  if (a.parent) return Value::Nil();
  switch (a.intrinsic) {
    case Intrinsic::kNone:
      break;
    case Intrinsic::kDuration:
      return Value::Duration(batch.Duration(row));
    case Intrinsic::kName:
      return Value::View(batch.Name(row));
    case Intrinsic::kStatus:
      return Value::Status(batch.SpanStatusOf(row));
    case Intrinsic::kStatusMessage:
      return Value::View(batch.StatusMessage(row));
    case Intrinsic::kKind:
      return Value::Kind(batch.Kind(row));
    case Intrinsic::kChildCount:
      return Value::Int(ctx.ChildCount(span));
    case Intrinsic::kTraceRootService: {
      const auto& s = ctx.summary();
      return s.has_root ? Value::View(s.root_service) : Value::Nil();
    }
    case Intrinsic::kTraceRootSpan: {
      const auto& s = ctx.summary();
      return s.has_root ? Value::View(s.root_name) : Value::Nil();
    }
    case Intrinsic::kTraceDuration:
      return Value::Duration(ctx.summary().duration_ns());
    case Intrinsic::kTraceID:
      return Value::Owned(ctx.trace_id().Hex());
    case Intrinsic::kSpanID:
      return Value::Owned(ss::SpanIdHex(batch.SpanId(row)));
    case Intrinsic::kParentID: {
      const uint64_t p = batch.ParentId(row);
      return p ? Value::Owned(ss::SpanIdHex(p)) : Value::Nil();
    }
    case Intrinsic::kNestedSetLeft:
      return Value::Int(ctx.NestedLeft(span));
    case Intrinsic::kNestedSetRight:
      return Value::Int(ctx.NestedRight(span));
    case Intrinsic::kNestedSetParent:
      return Value::Int(ctx.NestedParent(span));
    case Intrinsic::kEventName:
      return b.ev.index == TraceContext::kNone ? Value::Nil() : Value::View(b.ev.name);
    case Intrinsic::kEventTimeSinceStart:
      return b.ev.index == TraceContext::kNone ? Value::Nil()
                                               : Value::Duration(b.ev.time - batch.Start(row));
    case Intrinsic::kLinkSpanID:
      return b.link.index == TraceContext::kNone ? Value::Nil()
                                                 : Value::Owned(ss::SpanIdHex(b.link.span_id));
    case Intrinsic::kLinkTraceID:
      return b.link.index == TraceContext::kNone ? Value::Nil()
                                                 : Value::Owned(b.link.trace_id.Hex());
    case Intrinsic::kInstrumentationName:
      return Value::View(batch.ScopeName(row));
    case Intrinsic::kInstrumentationVersion:
      return Value::View(batch.ScopeVersion(row));
    case Intrinsic::kParent:
      return Value::Nil();
  }
  switch (a.scope) {
    case AttributeScope::kEvent: {
      if (b.ev.index == TraceContext::kNone) return Value::Nil();
      std::vector<ss::AttrView> attrs;
      batch.EventAttrs(b.ev.index, &attrs);
      auto v = FindAttr(attrs, a.name);
      return v ? FromAttr(*v) : Value::Nil();
    }
    case AttributeScope::kLink: {
      if (b.link.index == TraceContext::kNone) return Value::Nil();
      std::vector<ss::AttrView> attrs;
      batch.LinkAttrs(b.link.index, &attrs);
      auto v = FindAttr(attrs, a.name);
      return v ? FromAttr(*v) : Value::Nil();
    }
    case AttributeScope::kResource:
      if (a.name == "service.name") {  // the store keeps it as a column
        const std::string_view svc = batch.ServiceName(row);
        if (!svc.empty()) return Value::View(svc);
      }
      [[fallthrough]];
    default: {
      auto v = batch.Attr(row, ScopeOf(a.scope), a.name);
      return v ? FromAttr(*v) : Value::Nil();
    }
  }
}

Value Program::Eval(const Node& n, TraceContext& ctx, uint32_t span, const Bind& b) const {
  switch (n.kind) {
    case FieldExpr::Kind::kStatic:
      return n.konst;
    case FieldExpr::Kind::kAttribute:
      return ReadBound(n.attr, ctx, span, b);
    case FieldExpr::Kind::kUnary: {
      const Value v = Eval(*n.lhs, ctx, span, b);
      switch (n.op) {
        case Op::kNot:
          return v.kind == VKind::kBool ? Value::Bool(!v.i) : Value::Nil();
        case Op::kSub:
          if (v.kind == VKind::kInt) return Value::Int(-v.i);
          if (v.kind == VKind::kFloat) return Value::Float(-v.f);
          if (v.kind == VKind::kDuration) return Value::Duration(-v.i);
          return Value::Nil();
        case Op::kExists:
          return Value::Bool(!v.IsNil());
        case Op::kNotExists:
          return Value::Bool(v.IsNil());
        default:
          return Value::Nil();
      }
    }
    case FieldExpr::Kind::kBinary: {
      const Value l = Eval(*n.lhs, ctx, span, b);
      if (l.kind == VKind::kBool) {
        if (n.op == Op::kAnd && !l.i) return Value::Bool(false);
        if (n.op == Op::kOr && l.i) return Value::Bool(true);
      }
      const Value r = Eval(*n.rhs, ctx, span, b);
      return BinaryOp(n.op, l, r, n.re.get());
    }
  }
  return Value::Nil();
}

bool Program::Holds(const Node& n, TraceContext& ctx, uint32_t span) const {
  if (!n.events && !n.links) return Eval(n, ctx, span, Bind{}).IsTrue();
  const ss::SpanBatch& batch = ctx.batch();
  const uint32_t row = ctx.row(span);
  std::vector<ss::SpanBatch::Event> events;
  std::vector<ss::SpanBatch::Link> links;
  if (n.events) batch.Events(row, &events);
  if (n.links) batch.Links(row, &links);
  std::vector<TraceContext::EventBinding> evs;
  for (const auto& e : events) evs.push_back({e.index, e.time, e.name});
  if (evs.empty()) evs.push_back({});
  std::vector<TraceContext::LinkBinding> lks;
  for (const auto& l : links) lks.push_back({l.index, l.trace_id, l.span_id});
  if (lks.empty()) lks.push_back({});
  for (const auto& ev : evs) {
    for (const auto& lk : lks) {
      if (Eval(n, ctx, span, Bind{ev, lk}).IsTrue()) return true;
    }
  }
  return false;
}

Value Program::Read(const Attribute& a, TraceContext& ctx, uint32_t span) const {
  Bind b;
  if (ReadsEvent(a)) {
    std::vector<ss::SpanBatch::Event> events;
    ctx.batch().Events(ctx.row(span), &events);
    if (!events.empty()) b.ev = {events[0].index, events[0].time, events[0].name};
  }
  if (ReadsLink(a)) {
    std::vector<ss::SpanBatch::Link> links;
    ctx.batch().Links(ctx.row(span), &links);
    if (!links.empty()) b.link = {links[0].index, links[0].trace_id, links[0].span_id};
  }
  return ReadBound(a, ctx, span, b);
}

Value Program::EvalValue(const FieldExpr& e, TraceContext& ctx, uint32_t span) const {
  auto it = nodes_.find(&e);
  if (it == nodes_.end()) return Value::Nil();
  const Node& n = *it->second;
  Bind b;
  if (n.events) {
    std::vector<ss::SpanBatch::Event> events;
    ctx.batch().Events(ctx.row(span), &events);
    if (!events.empty()) b.ev = {events[0].index, events[0].time, events[0].name};
  }
  if (n.links) {
    std::vector<ss::SpanBatch::Link> links;
    ctx.batch().Links(ctx.row(span), &links);
    if (!links.empty()) b.link = {links[0].index, links[0].trace_id, links[0].span_id};
  }
  return Eval(n, ctx, span, b);
}

}  // namespace loupe::query::traceql::eval

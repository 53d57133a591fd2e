// The span-pipeline evaluator: runs a parsed, validated TraceQL pipeline over one trace
// fragment (the spans of one trace in one block, as a SpanBatch hands them over) and yields
// spansets, the way Tempo's Pipeline.evaluate does for one trace:
//  - the pipeline's input is one spanset holding every span handed over;
//  - `{ filter }` keeps the spans for which the field expression is true; an expression that
//    reads event or link attributes/intrinsics holds for a span when it holds for any one of
//    the span's events (links), as Tempo matches the span of a matching event;
//  - `&&`, `||` and the structural operators evaluate both sides on each input spanset;
//    structural operators use the parent links of the spans handed over (so the caller asks
//    the store for whole traces); more than one spanset on a side is Tempo's error
//    "spanset operators are not supported for multiple spansets per trace. consider using
//    coalesce()";
//  - scalar filters, by(), coalesce(), select() as in Tempo; aggregates skip nil values.
//
// Thread-safety: a Program is immutable after Compile and may be shared; a TraceContext is
// used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/traceql/eval/value.h"
#include "query/traceql/syntax/ast.h"
#include "storage/base/result.h"
#include "storage/spanstore/span_batch.h"

namespace loupe::query::traceql::eval {

// One trace fragment. Spans are numbered 0..size()-1 in the order the batch lists them.
class TraceContext {
 public:
  TraceContext(const storage::spanstore::SpanBatch& batch,
               const storage::spanstore::SpanBatch::Trace& trace);

  uint32_t size() const { return static_cast<uint32_t>(rows_.size()); }
  uint32_t row(uint32_t span) const { return rows_[span]; }
  const storage::spanstore::SpanBatch& batch() const { return batch_; }
  const storage::spanstore::TraceSummary& summary();
  storage::spanstore::TraceId trace_id() const { return batch_.TraceIdOf(trace_); }
  const storage::spanstore::SpanBatch::Trace& trace() const { return trace_; }

  // Tree over the spans handed over (a span whose parent is not among them is a root).
  int32_t Parent(uint32_t span);  // -1 for a root
  int64_t ChildCount(uint32_t span);
  int64_t NestedLeft(uint32_t span);  // nested-set numbering, children in start order
  int64_t NestedRight(uint32_t span);
  int64_t NestedParent(uint32_t span);  // the parent's left, -1 for a root

  // The event / link a field expression is currently evaluated against (kNone: none).
  static constexpr uint32_t kNone = UINT32_MAX;
  struct EventBinding {
    uint32_t index = kNone;  // event row in the block
    int64_t time = 0;
    std::string_view name;
  };
  struct LinkBinding {
    uint32_t index = kNone;
    storage::spanstore::TraceId trace_id;
    uint64_t span_id = 0;
  };

 private:
  void BuildTree();

  const storage::spanstore::SpanBatch& batch_;
  const storage::spanstore::SpanBatch::Trace& trace_;
  std::span<const uint32_t> rows_;
  bool have_summary_ = false;
  storage::spanstore::TraceSummary summary_;
  bool have_tree_ = false;
  std::vector<int32_t> parent_;
  std::vector<int32_t> children_;
  std::vector<int64_t> left_, right_;
};

struct Spanset {
  std::vector<uint32_t> spans;  // ascending span numbers of the TraceContext
  std::vector<std::pair<std::string, Value>> attributes;  // by(...) keys, aggregate values
  Value scalar;                                           // the last aggregate's value
};
using Spansets = std::vector<Spanset>;

// What the query touches, for result attributes and for the scan request.
struct Touched {
  std::vector<Attribute> attributes;  // every attribute/intrinsic read (deduplicated)
  bool structural = false;            // a structural spanset operator is used
  bool tree = false;                  // childCount / nestedSet* are read
  bool events = false, links = false;
};

class Program {
 public:
  // Prepares a pipeline (regexes compiled once). `root` must outlive the Program.
  static Result<std::unique_ptr<Program>> Compile(const Pipeline& pipeline);

  // Evaluates the pipeline over every span of the trace fragment.
  Result<Spansets> Run(TraceContext& ctx) const;
  // Evaluates one field expression of the query for one span (by() keys, select(), metrics
  // attributes). Event/link scoped reads see the span's first event/link.
  Value EvalValue(const FieldExpr& e, TraceContext& ctx, uint32_t span) const;
  // Reads one attribute or intrinsic of a span (nil when absent).
  Value Read(const Attribute& a, TraceContext& ctx, uint32_t span) const;

  const Touched& touched() const { return touched_; }

 private:
  struct Bind {
    TraceContext::EventBinding ev;
    TraceContext::LinkBinding link;
  };
  // A field expression compiled once: literals converted, regexes built, scopes resolved.
  struct Node {
    FieldExpr::Kind kind = FieldExpr::Kind::kStatic;
    Op op = Op::kNone;
    Value konst;
    Attribute attr;
    storage::spanstore::Scope scope = storage::spanstore::Scope::kNone;
    std::shared_ptr<const re2::RE2> re;  // static regex operand
    bool events = false, links = false;  // the subtree reads event / link data
    std::unique_ptr<Node> lhs, rhs;
  };

  Program() = default;
  std::unique_ptr<Node> CompileNode(const FieldExpr& e);
  void PrepareScalar(const ScalarExpr& e);
  void PrepareSpanset(const SpansetExpr& e);
  void PreparePipeline(const Pipeline& p);
  void Touch(const Attribute& a);
  const Node& NodeOf(const FieldExpr& e) const { return *nodes_.at(&e); }

  bool Holds(const Node& n, TraceContext& ctx, uint32_t span) const;
  Value Eval(const Node& n, TraceContext& ctx, uint32_t span, const Bind& b) const;
  Value ReadBound(const Attribute& a, TraceContext& ctx, uint32_t span, const Bind& b) const;

  Result<Spansets> RunPipeline(const Pipeline& p, Spansets in, TraceContext& ctx) const;
  Result<Spansets> RunSpanset(const SpansetExpr& e, const Spansets& in, TraceContext& ctx) const;
  Result<Value> Scalar(const ScalarExpr& e, const Spanset& ss, TraceContext& ctx,
                       Spanset* out) const;
  Value Aggregate(AggregateOp op, const FieldExpr* e, const Spanset& ss, TraceContext& ctx) const;

  const Pipeline* pipeline_ = nullptr;
  Touched touched_;
  std::unordered_map<const FieldExpr*, std::unique_ptr<Node>> nodes_;  // entry points
  std::unordered_map<const void*, std::string> names_;  // printed aggregates and by()
};

// Structural operators between span sets of one trace (lhs, rhs ascending span numbers).
std::vector<uint32_t> Structural(Op op, const std::vector<uint32_t>& lhs,
                                 const std::vector<uint32_t>& rhs, TraceContext& ctx);

}  // namespace loupe::query::traceql::eval

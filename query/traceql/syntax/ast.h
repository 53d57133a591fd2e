// TraceQL abstract syntax tree, shaped like Tempo's pkg/traceql so that an evaluator can walk it
// the same way: a root is either a span pipeline (spanset filters, structural operators, scalar
// filters, by/select/coalesce) or a metrics expression (a pipeline followed by a first-stage
// function such as rate(), optional second stages, and arithmetic between wrapped metrics
// queries and numbers).
//
// Nodes are plain structs with a Kind tag and owning pointers; a tree is immutable once Parse()
// returns it. Every node records the position of its first token. Produced by Parse()
// (parser.h), checked by Validate() (validate.h), printed by Print() (printer.h).
//
// Thread-safety: a finished tree is read-only; distinct threads may read one tree concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::query::traceql {

// Position of a node's first token: byte offset into the query, 1-based line, and 1-based column
// counted in characters (UTF-8 code points), as Tempo's error messages count them.
struct Pos {
  uint32_t offset = 0;
  uint32_t line = 1;
  uint32_t col = 1;
};

enum class Op : uint8_t {
  kNone,
  // Arithmetic.
  kAdd,
  kSub,
  kMult,
  kDiv,
  kMod,
  kPower,
  // Comparison and boolean (field expressions and scalar filters).
  kEqual,
  kNotEqual,
  kRegex,
  kNotRegex,
  kGreater,
  kGreaterEqual,
  kLess,
  kLessEqual,
  kAnd,
  kOr,
  kNot,
  // `x != nil` and `x = nil` (unary in the tree, as in Tempo).
  kExists,
  kNotExists,
  // Spanset operators.
  kSpansetAnd,
  kSpansetUnion,
  kSpansetChild,
  kSpansetParent,
  kSpansetDescendant,
  kSpansetAncestor,
  kSpansetSibling,
  kSpansetNotChild,
  kSpansetNotParent,
  kSpansetNotDescendant,
  kSpansetNotAncestor,
  kSpansetNotSibling,
  kSpansetUnionChild,
  kSpansetUnionParent,
  kSpansetUnionDescendant,
  kSpansetUnionAncestor,
  kSpansetUnionSibling,
};

// Source spelling of an operator ("+", "=~", ">>", "&~", ...); "" for kNone/kExists/kNotExists.
std::string_view OpString(Op op);
bool IsArithmetic(Op op);  // + - * / % ^
bool IsComparison(Op op);  // = != < <= > >= (scalar filter operators)
bool IsBooleanOp(Op op);   // operators whose result is a boolean

enum class StaticType : uint8_t {
  kNil,
  kSpanset,
  kAttribute,
  kInt,
  kFloat,
  kString,
  kBoolean,
  kDuration,
  kStatus,
  kKind,
};
std::string_view StaticTypeName(StaticType t);  // "TypeInt", ... (Tempo's names)
bool IsNumeric(StaticType t);                   // int, float, duration

enum class SpanStatus : uint8_t { kError, kOk, kUnset };
enum class SpanKind : uint8_t {
  kUnspecified,
  kInternal,
  kClient,
  kServer,
  kProducer,
  kConsumer,
};
std::string_view SpanStatusName(SpanStatus s);  // "error", "ok", "unset"
std::string_view SpanKindName(SpanKind k);      // "server", ...

// A literal value. Durations are nanoseconds; status and kind are stored in `i`.
struct Static {
  StaticType type = StaticType::kNil;
  int64_t i = 0;
  double f = 0;
  std::string s;

  static Static Nil() { return Static{}; }
  static Static Int(int64_t v) { return Static{StaticType::kInt, v, 0, {}}; }
  static Static Float(double v) { return Static{StaticType::kFloat, 0, v, {}}; }
  static Static String(std::string v) { return Static{StaticType::kString, 0, 0, std::move(v)}; }
  static Static Bool(bool v) { return Static{StaticType::kBoolean, v ? 1 : 0, 0, {}}; }
  static Static Duration(int64_t nanos) { return Static{StaticType::kDuration, nanos, 0, {}}; }
  static Static Status(SpanStatus v) {
    return Static{StaticType::kStatus, static_cast<int64_t>(v), 0, {}};
  }
  static Static Kind(SpanKind v) {
    return Static{StaticType::kKind, static_cast<int64_t>(v), 0, {}};
  }

  // Numeric value as a double (durations in nanoseconds); NaN for non-numbers.
  double AsDouble() const;
  friend bool operator==(const Static& a, const Static& b);
};

enum class AttributeScope : uint8_t { kNone, kResource, kSpan, kEvent, kLink, kInstrumentation };
std::string_view AttributeScopeName(AttributeScope s);  // "none", "resource", "span", ...

enum class Intrinsic : uint8_t {
  kNone,
  kDuration,
  kName,
  kStatus,
  kStatusMessage,
  kKind,
  kChildCount,
  kTraceRootService,
  kTraceRootSpan,
  kTraceDuration,
  kTraceID,
  kSpanID,
  kParentID,
  kNestedSetLeft,
  kNestedSetRight,
  kNestedSetParent,
  kEventName,
  kEventTimeSinceStart,
  kLinkSpanID,
  kLinkTraceID,
  kInstrumentationName,
  kInstrumentationVersion,
  kParent,  // the bare `parent` keyword; parses, reported unsupported by Validate (as Tempo)
};
// Canonical spelling, as Tempo prints it: "duration", "rootServiceName", "trace:id",
// "span:parentID", "event:name", "nestedSetLeft", ...
std::string_view IntrinsicName(Intrinsic i);
// Type of an intrinsic's value; kAttribute (decided at query time) for kNone and for the
// instrumentation intrinsics, as in Tempo.
StaticType IntrinsicType(Intrinsic i);

// An attribute reference (`.a`, `span.a`, `resource."a b"`, `parent.span.a`) or an intrinsic
// (`duration`, `span:status`). For intrinsics `name` is IntrinsicName(intrinsic).
struct Attribute {
  std::string name;
  AttributeScope scope = AttributeScope::kNone;
  bool parent = false;
  Intrinsic intrinsic = Intrinsic::kNone;

  static Attribute Named(AttributeScope scope, bool parent, std::string name);
  static Attribute Of(Intrinsic i);
  bool IsIntrinsic() const { return intrinsic != Intrinsic::kNone; }
  friend bool operator==(const Attribute& a, const Attribute& b) {
    return a.name == b.name && a.scope == b.scope && a.parent == b.parent &&
           a.intrinsic == b.intrinsic;
  }
};

// An expression evaluated per span inside `{ }`, inside an aggregate, or in by().
struct FieldExpr {
  enum class Kind : uint8_t { kStatic, kAttribute, kBinary, kUnary };
  Kind kind = Kind::kStatic;
  Pos pos;
  Op op = Op::kNone;               // kBinary, kUnary (kSub, kNot, kExists, kNotExists)
  Static value;                    // kStatic
  Attribute attr;                  // kAttribute
  std::unique_ptr<FieldExpr> lhs;  // kBinary left; kUnary operand
  std::unique_ptr<FieldExpr> rhs;  // kBinary right
};
using FieldExprPtr = std::unique_ptr<FieldExpr>;

enum class AggregateOp : uint8_t { kCount, kMax, kMin, kAvg, kSum };
std::string_view AggregateOpName(AggregateOp op);  // "count", "max", ...

struct Pipeline;

// Scalar expressions: the sides of a scalar filter (`count() > 2`, `avg(duration) > 1s`), and
// arithmetic over wrapped scalar pipelines (`({ .a } | count()) + ({ .b } | count()) = 2`).
struct ScalarExpr {
  enum class Kind : uint8_t { kStatic, kAggregate, kBinary, kPipeline };
  Kind kind = Kind::kStatic;
  Pos pos;
  Static value;                           // kStatic (int, float or duration)
  AggregateOp agg = AggregateOp::kCount;  // kAggregate
  FieldExprPtr agg_expr;                  // kAggregate; null for count()
  Op op = Op::kNone;                      // kBinary (arithmetic)
  std::unique_ptr<ScalarExpr> lhs, rhs;   // kBinary
  std::unique_ptr<Pipeline> pipeline;     // kPipeline: a wrapped pipeline ending in an aggregate
};
using ScalarExprPtr = std::unique_ptr<ScalarExpr>;

// Expressions producing spansets: `{ ... }`, operators between them, and wrapped pipelines used
// as operands (`({ .a } | count() > 1) >> ({ .b })`).
struct SpansetExpr {
  enum class Kind : uint8_t { kFilter, kOperation, kPipeline };
  Kind kind = Kind::kFilter;
  Pos pos;
  FieldExprPtr filter;                    // kFilter; `{}` holds the static `true`
  Op op = Op::kNone;                      // kOperation: one of the kSpanset* operators
  std::unique_ptr<SpansetExpr> lhs, rhs;  // kOperation
  std::unique_ptr<Pipeline> pipeline;     // kPipeline
};
using SpansetExprPtr = std::unique_ptr<SpansetExpr>;

// One `|`-separated stage of a span pipeline.
struct PipelineElement {
  enum class Kind : uint8_t { kSpanset, kScalarFilter, kGroupBy, kCoalesce, kSelect, kAggregate };
  Kind kind = Kind::kSpanset;
  Pos pos;
  SpansetExprPtr spanset;                 // kSpanset
  Op op = Op::kNone;                      // kScalarFilter: comparison
  ScalarExprPtr lhs, rhs;                 // kScalarFilter
  FieldExprPtr expr;                      // kGroupBy: by(expr); kAggregate: argument (null: count)
  std::vector<Attribute> select;          // kSelect
  AggregateOp agg = AggregateOp::kCount;  // kAggregate: final stage of a wrapped scalar pipeline
};

struct Pipeline {
  Pos pos;
  std::vector<PipelineElement> elements;
};

enum class MetricsOp : uint8_t {
  kRate,
  kCountOverTime,
  kMinOverTime,
  kMaxOverTime,
  kAvgOverTime,
  kSumOverTime,
  kQuantileOverTime,
  kHistogramOverTime,
  kCompare,
};
std::string_view MetricsOpName(MetricsOp op);  // "rate", "count_over_time", ...

// The first-stage metrics function after a span pipeline.
struct MetricsFirstStage {
  MetricsOp op = MetricsOp::kRate;
  Pos pos;
  std::optional<Attribute> attr;  // *_over_time(attr) except count_over_time
  std::vector<double> quantiles;  // quantile_over_time(attr, q...)
  std::vector<Attribute> by;      // `by (a, b)`
  SpansetExprPtr compare_filter;  // compare({ ... }, top_n, start, end)
  int64_t top_n = 10;
  int64_t start = 0;
  int64_t end = 0;
};

// A stage applied to metrics results: `| topk(n)`, `| bottomk(n)`, or a filter `> 10`.
struct SecondStage {
  enum class Kind : uint8_t { kTopK, kBottomK, kFilter };
  Kind kind = Kind::kTopK;
  Pos pos;
  int64_t limit = 0;  // kTopK, kBottomK
  Op op = Op::kNone;  // kFilter: comparison
  double value = 0;   // kFilter; a duration operand is stored in seconds, as Tempo does
};

// A metrics expression: one metrics query, a number, or arithmetic between them. Each node may
// carry second stages, applied to its result in order.
struct MetricsExpr {
  enum class Kind : uint8_t { kQuery, kScalar, kBinary };
  Kind kind = Kind::kQuery;
  Pos pos;
  Pipeline pipeline;                      // kQuery: the span pipeline
  MetricsFirstStage first;                // kQuery
  double scalar = 0;                      // kScalar (constant-folded)
  Op op = Op::kNone;                      // kBinary: + - * /
  std::unique_ptr<MetricsExpr> lhs, rhs;  // kBinary
  std::vector<SecondStage> second_stages;
};
using MetricsExprPtr = std::unique_ptr<MetricsExpr>;

// `with(name=value, ...)` query hints.
struct Hint {
  Pos pos;
  std::string name;
  Static value;
};

struct RootExpr {
  Pipeline pipeline;       // a span query (empty when `metrics` is set)
  MetricsExprPtr metrics;  // a metrics query
  std::vector<Hint> hints;

  bool IsMetrics() const { return metrics != nullptr; }
};

// Type a field or scalar expression resolves to, following Tempo's impliedType().
StaticType ImpliedType(const FieldExpr& e);
StaticType ImpliedType(const ScalarExpr& e);
StaticType ImpliedType(const Pipeline& p);
// True when the expression reads anything from the span (an attribute or intrinsic).
bool ReferencesSpan(const FieldExpr& e);

}  // namespace loupe::query::traceql

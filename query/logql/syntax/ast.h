// LogQL abstract syntax tree.
//
// The tree mirrors Loki's pkg/logql/syntax: a query is either a log query (a stream selector
// plus a pipeline of stages) or a metric query (range aggregations over log ranges, vector
// aggregations, binary operations, literals, vector(), label_replace()). Every node records
// the byte offset of its first token in the query (`pos`).
//
// Nodes are plain values owned by their parent (children by unique_ptr); a parsed tree is
// immutable by convention and may be read from several threads. Regular-expression matchers
// are compiled once, at parse time (storage::model::Matcher).
//
// Template strings (line_format, label_format) are kept raw; the Go-template engine lives
// with the evaluator.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/model/matcher.h"

namespace loupe::query::logql {

using storage::model::Matcher;
using storage::model::MatchType;

// ---- Log pipeline ---------------------------------------------------------------------------

enum class LineMatchType {
  kContains,     // |=
  kNotContains,  // !=
  kRegexp,       // |~
  kNotRegexp,    // !~
  kPattern,      // |>
  kNotPattern,   // !>
};
std::string_view LineMatchTypeString(LineMatchType t);
// True for |=, |~ and |> (the types where `or` alternatives form a disjunction).
bool IsPositive(LineMatchType t);

// One alternative of a line filter: a string, or ip("<pattern>").
struct LineFilterTerm {
  std::string match;
  bool ip = false;
  size_t pos = 0;
};

// One line-filter operator: `|= "a" or "b"` has two terms (any term matches). Negative types
// always have one term: Loki rewrites `!= "a" or "b"` into `!= "a" != "b"`.
struct LineFilter {
  LineMatchType type = LineMatchType::kContains;
  std::vector<LineFilterTerm> terms;
  size_t pos = 0;
};

enum class CompareOp { kEq, kNe, kGt, kGe, kLt, kLe };
std::string_view CompareOpString(CompareOp op);  // "==", "!=", ">", ">=", "<", "<="

// A label filter expression: a tree of leaf comparisons joined by and / or.
struct LabelFilter {
  enum class Kind { kMatcher, kNumber, kDuration, kBytes, kIp, kAnd, kOr };
  Kind kind = Kind::kMatcher;
  size_t pos = 0;
  // Leaves.
  std::string name;
  std::optional<Matcher> matcher;  // kMatcher: name op "value" (=, !=, =~, !~)
  CompareOp op = CompareOp::kEq;   // kNumber, kDuration, kBytes; kIp uses kEq / kNe
  double number = 0;               // kNumber
  int64_t duration_nanos = 0;      // kDuration
  uint64_t bytes = 0;              // kBytes
  std::string ip_pattern;          // kIp: name=ip("pattern") / name!=ip("pattern")
  // kAnd / kOr.
  std::unique_ptr<LabelFilter> left, right;
};

// `| json a="expr.path[0]"`, `| logfmt a, b="key"`: extract `expression` into label `label`.
struct LabelExtraction {
  std::string label;
  std::string expression;
};

// `| label_format dst=src` (rename) or `dst="{{ template }}"`.
struct LabelFormat {
  std::string dst;
  std::string value;  // source label (rename) or the raw template
  bool rename = false;
  size_t pos = 0;
};

// `| drop a, b="v"` / `| keep ...`: a bare label name or a matcher.
struct NamedMatcher {
  std::string name;                // set for a bare name
  std::optional<Matcher> matcher;  // set for name op "value"
};

enum class StageKind {
  kLineFilter,   // consecutive line filters (ANDed, in order)
  kLogfmt,       // | logfmt [--strict] [--keep-empty] [extractions]
  kJson,         // | json [extractions]
  kUnpack,       // | unpack
  kRegexp,       // | regexp "re"
  kPattern,      // | pattern "<a> <b>"
  kLabelFilter,  // | a="b" and c > 1
  kLineFormat,   // | line_format "tpl"
  kLabelFormat,  // | label_format a=b, c="tpl"
  kDecolorize,   // | decolorize
  kDrop,         // | drop a, b="v"
  kKeep,         // | keep a, b="v"
};

struct Stage {
  StageKind kind = StageKind::kLineFilter;
  size_t pos = 0;
  std::vector<LineFilter> line_filters;      // kLineFilter
  bool strict = false;                       // kLogfmt
  bool keep_empty = false;                   // kLogfmt
  std::vector<LabelExtraction> extractions;  // kJson, kLogfmt (empty: extract everything)
  std::string param;                         // kRegexp, kPattern: expression; kLineFormat: template
  std::unique_ptr<LabelFilter> label_filter;  // kLabelFilter
  std::vector<LabelFormat> label_formats;     // kLabelFormat
  std::vector<NamedMatcher> named;            // kDrop, kKeep
};

// A stream selector and its pipeline: `{app="x"} |= "err" | json`.
struct LogSelector {
  std::vector<Matcher> matchers;
  std::vector<Stage> stages;
  size_t pos = 0;
};

// ---- Metric queries -------------------------------------------------------------------------

enum class UnwrapConversion { kNone, kBytes, kDuration, kDurationSeconds };

// `| unwrap [conv(]label[)]` followed by post-unwrap label filters.
struct Unwrap {
  std::string label;
  UnwrapConversion conversion = UnwrapConversion::kNone;
  std::vector<std::unique_ptr<LabelFilter>> post_filters;
  size_t pos = 0;
};

// A log range: selector and pipeline, the [range], offset and optional unwrap.
struct LogRange {
  LogSelector selector;
  int64_t range_nanos = 0;
  int64_t offset_nanos = 0;
  std::optional<Unwrap> unwrap;
  size_t pos = 0;
};

enum class RangeOp {
  kCountOverTime,
  kRate,
  kRateCounter,
  kBytesOverTime,
  kBytesRate,
  kAvgOverTime,
  kSumOverTime,
  kMinOverTime,
  kMaxOverTime,
  kStdvarOverTime,
  kStddevOverTime,
  kQuantileOverTime,
  kFirstOverTime,
  kLastOverTime,
  kAbsentOverTime,
};
std::string_view RangeOpString(RangeOp op);

enum class VectorOp {
  kSum,
  kAvg,
  kCount,
  kMax,
  kMin,
  kStddev,
  kStdvar,
  kBottomk,
  kTopk,
  kSort,
  kSortDesc,
  kApproxTopk,
};
std::string_view VectorOpString(VectorOp op);

// `by (a, b)` / `without (a)`; `by ()` has no labels.
struct Grouping {
  bool without = false;
  std::vector<std::string> labels;
};

enum class BinaryOpKind {
  kOr,
  kAnd,
  kUnless,  // set operations
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,  // arithmetic
  kEq,
  kNe,
  kGt,
  kGe,
  kLt,
  kLe,  // comparison
};
std::string_view BinaryOpString(BinaryOpKind op);
bool IsComparison(BinaryOpKind op);
bool IsSetOperation(BinaryOpKind op);

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany };

// on/ignoring and group_left/group_right of a binary operation.
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> labels;   // matching labels
  std::vector<std::string> include;  // group_left/right (labels)
};

struct Expr;

struct RangeAggregation {
  RangeOp op = RangeOp::kCountOverTime;
  LogRange range;
  std::optional<double> param;       // quantile_over_time's φ
  std::optional<Grouping> grouping;  // only for the *_over_time ops that allow it
};

struct VectorAggregation {
  VectorOp op = VectorOp::kSum;
  std::unique_ptr<Expr> inner;
  Grouping grouping;  // `sum(x)` is `sum by () (x)`
  int64_t param = 0;  // k of topk, bottomk, approx_topk
};

struct BinaryOp {
  BinaryOpKind op = BinaryOpKind::kAdd;
  std::unique_ptr<Expr> lhs, rhs;
  bool return_bool = false;
  VectorMatching matching;
};

struct Literal {
  double value = 0;
};

struct VectorLiteral {  // vector(1)
  double value = 0;
};

struct LabelReplace {
  std::unique_ptr<Expr> inner;
  std::string dst, replacement, src, regex;
};

// A LogQL expression. A query is a log query when node holds a LogSelector.
struct Expr {
  size_t pos = 0;
  std::variant<LogSelector, RangeAggregation, VectorAggregation, BinaryOp, Literal, VectorLiteral,
               LabelReplace>
      node;

  bool IsLogQuery() const { return std::holds_alternative<LogSelector>(node); }
};

using ExprPtr = std::unique_ptr<Expr>;

}  // namespace loupe::query::logql

// Private to the TraceQL parser: the recursive-descent parser shared by parser.cc (query level:
// pipelines), parser_combine.cc (operators between query-level operands) and parser_field.cc (field
// expressions, literals, attributes, metrics functions, hints).
#pragma once

#include <string_view>
#include <vector>

#include "query/traceql/syntax/ast.h"
#include "query/traceql/syntax/lexer.h"
#include "storage/base/result.h"

namespace loupe::query::traceql::internal {

// What a query-level (between pipes) expression turned out to be. Operators and pipes are only
// legal between certain categories; Parser::Combine enforces Tempo's grammar.
enum class Cat : uint8_t {
  kSpanset,           // `{...}` or spanset operators between them (spanset)
  kWrappedPipe,       // a parenthesized pipeline, or spanset operators involving one (spanset)
  kPipeline,          // an unparenthesized pipeline with at least one `|` (pipeline)
  kElement,           // a scalar filter, by(), select() or coalesce() (element)
  kScalar,            // aggregates and numbers under arithmetic (scalar)
  kNumber,            // numbers only (scalar)
  kLiteral,           // a non-numeric literal: string, bool, status, kind (scalar)
  kScalarPipeline,    // unparenthesized pipeline ending in an aggregate (pipeline)
  kScalarPipeExpr,    // wrapped scalar pipelines under arithmetic (scalar)
  kScalarPipeFilter,  // a comparison of wrapped scalar pipelines (element)
  kMetrics,           // unparenthesized metrics query (metrics)
  kMetricsExpr,       // wrapped metrics queries and numbers under arithmetic (metrics)
};

struct Node {
  Cat cat = Cat::kSpanset;
  Pos pos;
  SpansetExprPtr spanset;              // kSpanset, kWrappedPipe
  std::unique_ptr<Pipeline> pipeline;  // kPipeline, kScalarPipeline
  PipelineElement element;             // kElement, kScalarPipeFilter
  ScalarExprPtr scalar;                // kScalar, kNumber, kScalarPipeExpr, kLiteral
  bool has_aggregate = false;          // kScalar
  bool has_duration = false;           // kNumber: some operand is a duration
  bool single_literal = false;         // kNumber, kLiteral: exactly one unsigned literal token
  bool duration_literal = false;       // kNumber: one duration literal, possibly negated
  MetricsExprPtr metrics;              // kMetrics, kMetricsExpr
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}
  Result<RootExpr> ParseRoot();

 private:
  // Token access.
  const Token& Cur() const { return toks_[p_]; }
  const Token& Peek(size_t k) const { return p_ + k < toks_.size() ? toks_[p_ + k] : toks_.back(); }
  const Token& Take() { return p_ + 1 < toks_.size() ? toks_[p_++] : toks_[p_]; }
  Status Expect(Tok kind);
  Status Unexpected(const Token& t) const;
  Status ErrorAt(const Pos& pos, std::string_view msg) const;
  Status UnexpectedAt(const Pos& pos) const;  // the token starting at `pos`
  Status Deeper();                            // enters one nesting level, or fails
  void Shallower() { --depth_; }

  // Query level (parser.cc).
  Status ParsePipeChain(Node* out);
  Status ParseStageExpr(int min_prec, Node* out);
  Status ParseStagePrimary(Node* out);
  Status Combine(const Token& op, Node lhs, Node rhs, Node* out);
  Status CombineSpanset(const Token& op, Node lhs, Node rhs, Node* out);
  Status CombineComparison(const Token& op, Node lhs, Node rhs, Node* out);
  Status CombineArithmetic(const Token& op, Node lhs, Node rhs, Node* out);
  Status ParseSecondStages(MetricsExpr* m);
  Status ParseAggregate(Node* out);

  // Field level and functions (parser_field.cc).
  Result<FieldExprPtr> ParseField(int min_prec);
  Result<FieldExprPtr> ParseFieldPrimary();
  Result<SpansetExprPtr> ParseSpansetFilter();
  bool IsAttributeStart() const;
  Result<Attribute> ParseAttribute();
  Result<std::vector<Attribute>> ParseAttributeList();
  bool IsStaticStart() const;
  Result<Static> ParseStatic();
  bool IsMetricsFunction() const;
  Status ParseMetricsFirstStage(MetricsFirstStage* out);
  Status ParseHints(std::vector<Hint>* out);

  std::vector<Token> toks_;
  size_t p_ = 0;
  int depth_ = 0;
};

// Shared by parser.cc and parser_combine.cc: the comparison operator a token spells (kNone if
// none), and constant folding of numbers.
Op ComparisonOpFor(Tok t);
double EvalNumber(const ScalarExpr& e);
void FoldScalar(ScalarExpr* e);

}  // namespace loupe::query::traceql::internal

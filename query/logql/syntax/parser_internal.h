// Internal to the LogQL parser: the recursive-descent parser shared by parser.cc (metric
// expressions, validation) and parser_log.cc (selectors, pipelines, label filters, ranges).
//
// The parser accepts exactly the language of Loki's LALR grammar (pkg/logql/syntax/syntax.y)
// and reports errors where and as Loki's generated parser does: "syntax error: unexpected X"
// plus, where the LALR state has at most four shiftable tokens, ", expecting A or B".
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>

#include "query/logql/syntax/ast.h"
#include "query/logql/syntax/lexer.h"
#include "storage/base/status.h"

namespace loupe::query::logql::internal {

// "parse error at line L, col C: msg", or "parse error : msg" when L and C are both 0.
Status ParseError(const std::string& msg, int line, int col);

// Loki's generated parser keeps its stack on the heap; ours recurses, so nesting is bounded
// (parentheses, right-associative operators, juxtaposed label filters all count).
inline constexpr int kMaxNesting = 1000;

class Parser {
 public:
  explicit Parser(std::string_view query);

  // Parses a whole query. On failure returns null; status() explains.
  ExprPtr ParseQuery();
  const Status& status() const { return status_; }

  // Errors Loki attaches to a node while building the tree and reports during validation,
  // in a depth-first walk.
  const std::unordered_map<const Expr*, std::string>& deferred() const { return deferred_; }

 private:
  // Tokens.
  const Token& tok() const { return tok_; }
  Tok type() const { return tok_.type; }
  const Token& PeekNext();  // the token after tok()
  void Advance();
  bool failed() const { return !status_.ok(); }

  // Errors. Fail* record the first error only and return false.
  bool Fail(std::initializer_list<Tok> expected = {});
  bool FailAt(const std::string& message);  // Loki's panics while building nodes: no position
  bool Expect(Tok t, std::initializer_list<Tok> expected);

  // Counts one level of recursion for its lifetime; false (and an error) past kMaxNesting.
  class Nest {
   public:
    explicit Nest(Parser* p) : p_(p) { ++p_->depth_; }
    ~Nest() { --p_->depth_; }
    bool ok() const;

   private:
    Parser* p_;
  };

  // Metric expressions (parser.cc).
  ExprPtr ParseBinary(int min_prec);
  ExprPtr ParseOperand();
  ExprPtr ParseMetricOperand();  // an operand that must be a metric expression
  ExprPtr ParseRangeAggregation();
  ExprPtr ParseVectorAggregation();
  ExprPtr ParseLabelReplace();
  ExprPtr ParseVector();
  ExprPtr ParseLiteral();
  bool ParseGrouping(Grouping* g);
  bool ParseLabelList(std::vector<std::string>* labels);
  bool ParseBinaryModifiers(BinaryOp* op);
  ExprPtr MakeBinary(BinaryOp op, size_t pos);

  // Log expressions (parser_log.cc).
  bool ParseSelector(LogSelector* sel);
  bool ParseMatcherValue(const std::string& name, Matcher* out);  // at the operator
  bool ParsePipeline(LogSelector* sel, bool in_range);
  bool ParseLineFilters(Stage* stage);
  bool ParseLineFilterTerm(LineFilterTerm* term);
  bool ParseStageAfterPipe(Stage* stage);
  bool ParseExtractions(std::vector<LabelExtraction>* out);
  bool ParseNamedMatchers(std::vector<NamedMatcher>* out);
  std::unique_ptr<LabelFilter> ParseLabelFilter();
  std::unique_ptr<LabelFilter> ParseLabelFilterAndOperand();
  std::unique_ptr<LabelFilter> ParseLabelFilterOrOperand();
  std::unique_ptr<LabelFilter> ParseLabelFilterPrimary();
  std::unique_ptr<LabelFilter> ParseLabelFilterLeaf();
  bool ParseUnwrap(Unwrap* unwrap);
  bool ParseLogRange(LogRange* range);
  bool ParseRangeTail(LogRange* range, bool allow_pipeline, bool allow_unwrap);
  bool ParseOffset(LogRange* range);

  Lexer lexer_;
  Token tok_;
  std::optional<Token> next_;
  Status status_;
  int depth_ = 0;
  std::unordered_map<const Expr*, std::string> deferred_;
};

}  // namespace loupe::query::logql::internal

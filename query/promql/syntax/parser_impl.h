// Internal: the recursive-descent parser behind parser.h, shared by parser.cc (expressions,
// calls, aggregations) and parser_modifiers.cc (selectors, brackets, offset, @, labels).
//
// The grammar and its error messages follow Prometheus's yacc grammar
// (promql/parser/generated_parser.y): operator precedence and associativity, the contexts
// in which "unexpected ..." errors are reported, and the semantic errors raised while
// building nodes. Errors that do not stop parsing (unknown function, bad duration, ...) are
// collected and parsing goes on; the first syntax error stops it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "query/promql/syntax/ast.h"
#include "query/promql/syntax/lexer.h"
#include "query/promql/syntax/parser.h"

namespace loupe::query::promql::internal {

class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& options);

  // A whole query: an expression followed by the end of input.
  ParseResult ParseQuery();
  // A vector selector followed by the end of input (no type checks).
  ParseResult ParseSelector();

 private:
  // A parsed subtree with its depth (bounded by kMaxExprDepth).
  struct Node {
    ExprPtr expr;
    int depth = 0;
    explicit operator bool() const { return expr != nullptr; }
  };

  // --- tokens and errors (parser.cc) ---
  // The current token. On the first look at a lexer error token, records that error and
  // marks the parse failed; callers then see kError, which matches nothing.
  const Token& Cur();
  TokenType CurType() { return Cur().type; }
  void Advance();
  void AddError(PositionRange pos, std::string message);
  void Fail(PositionRange pos, std::string message);
  // "unexpected <current token>[ in <context>][, expected <expected>]"; stops the parse.
  void Unexpected(std::string_view context, std::string_view expected);
  // Unexpected() in the innermost enclosing context that Prometheus's grammar reports errors
  // in (an aggregation), or none.
  void UnexpectedInExpr();
  bool CheckDepth(const Node& n);

  // --- expressions (parser.cc) ---
  Node ParseBinary(int min_precedence);
  Node ParseUnary();
  Node ParsePrimary();
  Node ParseParen();
  Node ParseCall(const Token& name);
  Node ParseAggregate(const Token& op);
  bool ParseCallArgs(std::vector<Node>* args, int32_t* end);
  struct BinModifiers {
    bool return_bool = false;
    VectorMatching matching;
  };
  bool ParseBinModifiers(BinModifiers* mods);

  // --- selectors and modifiers (parser_modifiers.cc) ---
  Node ParseVectorSelector(const Token* name);
  bool ParseLabelMatchers(VectorSelector* vs);
  bool ParseLabelMatcher(VectorSelector* vs);
  bool ParseGroupingLabels(std::vector<std::string>* labels, int32_t* end);
  Node ParsePostfix(Node e);
  Node ParseRangeOrSubquery(Node e);
  bool ParseOffset(Expr* e);
  bool ParseAt(Expr* e);
  Node NumberLiteralFromToken(const Token& t);
  // A NUMBER (seconds) or DURATION token as milliseconds; records conversion errors.
  int64_t DurationFromToken(const Token& t);
  // A NUMBER or DURATION token as seconds; records conversion errors.
  double SecondsFromToken(const Token& t);

  std::string_view input_;
  ParseOptions options_;
  Lexer lexer_;
  Token tok_;
  bool lex_error_seen_ = false;
  bool failed_ = false;
  int nesting_ = 0;
  std::vector<std::string_view> contexts_;
  std::vector<ParseError> errors_;
};

// Type checks a parsed tree as Prometheus's checkAST does, normalising vector matching of
// binary expressions. Appends errors in Prometheus's order.
void CheckTree(std::string_view input, Expr* root, std::vector<ParseError>* errors);

}  // namespace loupe::query::promql::internal

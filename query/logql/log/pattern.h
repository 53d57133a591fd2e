// The pattern language of LogQL's `| pattern "<ip> - <_> [<ts>] ..."` parser and `|> "<_> x"`
// line filter, with Loki's semantics:
//  - an expression is a sequence of literals and captures `<name>` (name: [A-Za-z_][A-Za-z0-9_]*;
//    `<_>` captures nothing); any other text, including a lone '<', is literal;
//  - Matches(): a leading literal must be a prefix of the line; then each capture extends to the
//    first occurrence of the following literal; a capture whose literal is missing takes the rest
//    of the line and matching stops; a trailing capture takes the rest;
//  - Test() (line filters): every literal must occur in order, captures must be non-empty, and the
//    line must end where the pattern ends (a trailing capture needs a non-empty rest).
//
// Errors (Loki's texts): "at least one capture is required", "found consecutive capture
// '<a><b>': invalid expression", "duplicate capture name (a): invalid expression", and for line
// filters "named captures are not allowed".
//
// Thread-safety: immutable after creation; Matches() uses a caller-owned output vector.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"

namespace loupe::query::logql {

class PatternMatcher {
 public:
  // For `| pattern`: needs at least one named capture.
  static Result<PatternMatcher> ForParser(std::string_view pattern);
  // For `|>` / `!>`: named captures are not allowed.
  static Result<PatternMatcher> ForLineFilter(std::string_view pattern);

  // Appends the named captures' values (in order; fewer when matching stopped early) to *out
  // after clearing it.
  void Matches(std::string_view line, std::vector<std::string_view>* out) const;
  bool Test(std::string_view line) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Node {
    bool capture = false;
    bool named = false;  // capture other than <_>
    std::string text;    // literal text or capture name
  };
  static Result<std::vector<Node>> Parse(std::string_view in);
  std::vector<Node> nodes_;
  std::vector<std::string> names_;
};

}  // namespace loupe::query::logql

// Printing LogQL back to source.
//
// Print() is Loki's canonical String() form, the text Loki logs, caches and shards on:
//   sum by (level)(count_over_time({service="x"} | json[1m]))
// Pretty() is Loki's format_query output (syntax.Prettify): an expression whose canonical
// form is longer than max_chars_per_line bytes is split over lines, two spaces per level.
//
// Both print valid LogQL: parsing the output gives a tree that prints the same (round-trip
// stable). Known differences from Loki, both deliberate: a regex label filter prints with
// backquotes unless its regex is a plain literal or alternation of literals (Loki decides with
// Go's regexp simplifier, which we approximate); Pretty() keeps `or` alternatives of split
// line filters (Loki drops them, changing the query) and writes `without ()` in full (Loki
// writes a bare `without`, which does not parse). Like Loki's, Pretty() output of a split
// binary operation has no parentheses, so it may not parse back to the same tree.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "query/logql/syntax/ast.h"

namespace loupe::query::logql {

std::string Print(const Expr& e);
std::string Print(const LogSelector& s);
std::string Print(const LabelFilter& f);
std::string Print(const Stage& s);

// False when Print(e) cannot be parsed back, because Loki's printing (which Print reproduces)
// writes a few values LogQL cannot read: non-finite literals ("NaN", "+Inf"), negative zero
// ("-0", read as a duration) and a zero byte-size label filter ("0B", read as a binary
// literal by Go's scanner), and names Loki's lexer made of stray characters ("!", "@").
bool PrintRoundTrips(const Expr& e);

inline constexpr size_t kDefaultMaxCharsPerLine = 100;

std::string Pretty(const Expr& e, size_t max_chars_per_line = kDefaultMaxCharsPerLine);

}  // namespace loupe::query::logql

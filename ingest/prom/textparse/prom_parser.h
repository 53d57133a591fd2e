// The Prometheus text exposition format 0.0.4, as Prometheus 3 parses it (PromParser):
//
//   # HELP <name> <text>        text escapes: \\ and \n
//   # TYPE <name> counter|gauge|histogram|summary|untyped
//   # <anything else>           a comment
//   <name>[{<label>="<value>",...}] <value> [<timestamp ms>]
//   {"<utf-8 name>", "<utf-8 label>"="<value>", ...} <value> [<timestamp ms>]
//
// Blanks and tabs may separate any two tokens of a line, including between labels without a
// comma; a trailing comma inside braces is fine; blank lines are skipped; the last line needs no
// newline. Values are Go floats without hex, '_' or 'p' (NaN, +Inf, -Inf, 1e-3, .5 ...);
// timestamps are decimal integers (milliseconds). Label values escape \\, \" and \n and may hold
// raw newlines. A NUL byte at the start of a line ends the input, as in Prometheus.
//
// See parser.h for the interface and the contract.
#pragma once

#include <string>
#include <string_view>

#include "ingest/prom/textparse/lex_util.h"
#include "ingest/prom/textparse/parser.h"

namespace loupe::ingest::prom {

class PromTextParser final : public Parser {
 public:
  PromTextParser(std::string_view input, const ParserOptions& options = {});

 private:
  enum class State : uint8_t { kInit, kMeta1, kMeta2, kLabels, kLValue, kValue, kTimestamp };

  Status ParseNext(EntryKind* kind) override;
  lex::Tok Lex();
  lex::Tok NextToken();  // Lex() without whitespace
  Status ParseLabels();
  Status ParseSuffix(lex::Tok t);
  // Prometheus's parseError: "<exp>, got <token text> (<token name>) while parsing: <line>".
  Status TokenError(std::string_view expected, lex::Tok got) const;
  std::string Excerpt(size_t begin, size_t end) const;

  std::string owned_;        // the input plus a final '\n' when it had none
  bool virtual_nl_ = false;  // the input already ended in '\n' (Prometheus would add another)
  size_t i_ = 0;             // lexer position
  size_t start_ = 0;         // start of the last token
  size_t line_start_ = 0;    // start of the current line (Prometheus's p.start)
  State state_ = State::kInit;
  bool quote_escaped_ = false;    // the last quoted token held escapes
  bool quote_non_ascii_ = false;  // the last quoted token held bytes >= 0x80
  bool name_set_ = false;
  Span name_span_;
  bool name_escaped_ = false;
};

}  // namespace loupe::ingest::prom

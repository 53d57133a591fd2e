// Text conversions that must match Go's byte for byte, because PromQL's printer and its error
// messages are defined in terms of Go's strconv and fmt: quoting (%q), unquoting of the three
// PromQL string forms, number literals (strconv.ParseInt base 0, then ParseFloat) and float
// formatting (strconv.FormatFloat 'f' -1, fmt %f).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loupe::query::promql {

inline constexpr int32_t kRuneError = 0xFFFD;
inline constexpr int32_t kRuneEof = -1;

// Decodes one UTF-8 rune like Go's utf8.DecodeRuneInString: invalid or truncated sequences,
// overlong forms and surrogates yield kRuneError with *width 1; an empty input yields
// kRuneEof with *width 0.
int32_t DecodeRune(std::string_view s, size_t* width);
void AppendRune(std::string* out, int32_t r);
// Approximates Go's unicode.IsPrint (exact for ASCII and Latin-1; treats other assigned
// code points outside a few known invisible ones as printable).
bool IsPrintRune(int32_t r);

// strconv.Quote: "..." with \a \b \f \n \r \t \v \\ \" escapes, \xNN for invalid bytes and
// control characters, \uNNNN / \UNNNNNNNN for other unprintable runes.
std::string GoQuote(std::string_view s);
// fmt's %q of a rune: 'x', '\n', '\''; kRuneEof and invalid runes print as '�'.
std::string GoQuoteRune(int32_t r);
// fmt's %#U: "U+0063 'c'", or "U+0007" when unprintable.
std::string GoRuneU(int32_t r);
// fmt's %.10q... shortening used by Prometheus's token descriptions: %q of the first 10
// runes followed by "..." when longer than 10 bytes; plain %q otherwise.
std::string GoQuoteShort(std::string_view s);

// Unquotes a PromQL string literal including its quotes: "...", '...' (Go escapes, the
// other quote needs no escape) or `...` (raw). Returns false on malformed input (the lexer
// has already rejected those, so this only fails for inputs that did not come from it).
bool UnquotePromQL(std::string_view quoted, std::string* out);

// Prometheus's number(): strconv.ParseInt(s, 0, 64), falling back to strconv.ParseFloat.
// Accepts decimal, octal (leading 0), hex (0x), underscores between digits, exponents,
// and inf/nan in any case. On failure returns false and sets *error to Go's message,
// e.g. `strconv.ParseFloat: parsing "1e999": value out of range`.
bool ParseGoNumber(std::string_view s, double* out, std::string* error);

// strconv.FormatFloat(v, 'f', -1, 64): shortest round-tripping digits, never an exponent;
// "+Inf", "-Inf", "NaN".
std::string FormatGoFloat(double v);
// fmt's %f: six decimals; "+Inf", "-Inf", "NaN".
std::string FormatGoFloatF(double v);

}  // namespace loupe::query::promql

// Internal to the template engine: Go routines the template functions are built from.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/log/template_internal.h"

namespace re2 {
class RE2;
}

namespace loupe::query::logql::tmpl {

using Args = std::vector<Value>;

// "wrong type for value; expected <want>; got <type>".
Status TypeError(std::string_view want, const Value& got);
Status WantTime(const Value& v, GoTime* t);

// A per-thread cache of compiled regexes (Loki compiles per call); null with *err on a bad one.
std::shared_ptr<const re2::RE2> CompileCached(const std::string& pattern, std::string* err);
// Width of the UTF-8 sequence at `at` (1 for an invalid byte, 0 at the end).
size_t RuneWidth(std::string_view s, size_t at);
// Go's Regexp.ReplaceAllString (expand: $1, ${name}) / ReplaceAllLiteralString.
std::string ReplaceAll(const re2::RE2& re, std::string_view src, std::string_view repl,
                       bool expand);
std::string TrimCutset(std::string_view s, std::string_view cutset, bool left, bool right);
std::string TrimSpace(std::string_view s);
// strings.Replace(s, old, new, n); n < 0 replaces all.
std::string ReplaceN(std::string_view s, std::string_view old, std::string_view nw, int64_t n);
// One entry per rune; *offsets (if given) receives the byte offset of each rune plus the end.
std::vector<uint32_t> Runes(std::string_view s, std::vector<size_t>* offsets);
// sprig's empty(): the zero value of its type.
bool IsEmptyValue(const Value& v);
// Go's eq/lt on basic kinds; an error for incompatible kinds.
Status Compare(const Value& a, const Value& b, int* cmp, bool ordered);
// fmt.Sprint / fmt.Sprintln.
std::string Sprint(const Args& args, bool ln);
// net/url QueryEscape / QueryUnescape.
std::string QueryEscape(std::string_view s);
Status QueryUnescape(std::string_view s, std::string* out);
// encoding/base64 StdEncoding; B64Dec returns Go's error text as the value on bad input
// (as sprig's b64dec does).
std::string B64Enc(std::string_view s);
std::string B64Dec(std::string_view s);
// encoding/json into template values: objects become maps, numbers float64.
bool JsonToValue(std::string_view data, Value* out);
GoTime Now();

}  // namespace loupe::query::logql::tmpl

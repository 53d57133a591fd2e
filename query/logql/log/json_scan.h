// A lenient JSON scanner with the behaviour (and error texts) of github.com/buger/jsonparser,
// which Loki's json and unpack stages use: objects are walked key by key without validating
// what follows the closing brace, nested values are delimited by bracket matching, scalars end
// at the next delimiter. Nothing is allocated except for unescaping into a caller's buffer.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace loupe::query::logql::json {

enum class ValueType { kNotExist, kString, kNumber, kObject, kArray, kBoolean, kNull, kUnknown };

// jsonparser's error values (Error() texts).
inline constexpr std::string_view kMalformedJson = "Malformed JSON error";
inline constexpr std::string_view kMalformedString =
    "Value is string, but can't find closing '\"' symbol";
inline constexpr std::string_view kMalformedArray =
    "Value is array, but can't find closing ']' symbol";
inline constexpr std::string_view kMalformedObject =
    "Value looks like object, but can't find closing '}' symbol";
inline constexpr std::string_view kUnknownValueType = "Unknown value type";
inline constexpr std::string_view kMalformedStringEscape =
    "Encountered an invalid escape sequence in a string";

// Reads the value starting at the first non-space byte of `data`. On success sets *value (a
// string's contents without quotes, still escaped; the raw text otherwise), *type and *end
// (offset just past the value in `data`) and returns "". Otherwise returns the error text.
std::string_view GetValue(std::string_view data, std::string_view* value, ValueType* type,
                          size_t* end);

// jsonparser.ObjectEach: calls fn(key, value, type) for each member of the object at the start
// of `data` (keys unescaped into a scratch buffer). fn returns "" to continue or an error text
// (or kStop) to stop; ObjectEach returns the first error ("" on success).
inline constexpr std::string_view kStop = "\x01stop";
template <typename Fn>
std::string_view ObjectEach(std::string_view data, Fn&& fn);

// jsonparser.ArrayEach-like walk over the elements of the array at the start of `data`.
template <typename Fn>
std::string_view ArrayEach(std::string_view data, Fn&& fn);

// jsonparser.Unescape: decodes JSON escapes of a string's contents. Returns false on an invalid
// escape. *out is cleared first.
bool Unescape(std::string_view in, std::string* out);
// True if `s` contains a backslash (so Unescape is needed).
inline bool NeedsUnescape(std::string_view s) { return s.find('\\') != std::string_view::npos; }

// Loki's value text for a parsed string: unescaped, with invalid UTF-8 (and U+FFFD) replaced by
// spaces; "" when unescaping fails. Appends to *out after clearing it.
void StringValue(std::string_view raw, std::string* out);

// Internal helpers shared by the templates above.
size_t NextToken(std::string_view data, size_t from);  // npos if none
// Offset just past the closing quote of a string whose opening quote is at data[from-1];
// npos if unterminated. *escaped tells whether a backslash was seen.
size_t StringEnd(std::string_view data, size_t from, bool* escaped);

template <typename Fn>
std::string_view ObjectEach(std::string_view data, Fn&& fn) {
  size_t off = NextToken(data, 0);
  if (off == std::string_view::npos || data[off] != '{') return kMalformedObject;
  ++off;
  off = NextToken(data, off);
  if (off == std::string_view::npos) return kMalformedJson;
  if (data[off] == '}') return {};
  std::string key_buf;
  while (off < data.size()) {
    if (data[off] == '}') return {};
    if (data[off] != '"') return kMalformedObject;
    ++off;
    bool escaped = false;
    const size_t kend = StringEnd(data, off, &escaped);
    if (kend == std::string_view::npos) return kMalformedJson;
    std::string_view key = data.substr(off, kend - 1 - off);
    off = kend;
    if (escaped) {
      if (!Unescape(key, &key_buf)) return kMalformedStringEscape;
      key = key_buf;
    }
    off = NextToken(data, off);
    if (off == std::string_view::npos || data[off] != ':') return kMalformedJson;
    ++off;
    std::string_view value;
    ValueType type;
    size_t vend;
    std::string_view err = GetValue(data.substr(off), &value, &type, &vend);
    if (!err.empty()) return err;
    err = fn(key, value, type);
    if (!err.empty()) return err;
    off += vend;
    off = NextToken(data, off);
    if (off == std::string_view::npos) return kMalformedArray;
    if (data[off] == '}') return {};
    if (data[off] != ',') return kMalformedObject;
    ++off;
    off = NextToken(data, off);
    if (off == std::string_view::npos) return kMalformedArray;
  }
  return kMalformedObject;
}

template <typename Fn>
std::string_view ArrayEach(std::string_view data, Fn&& fn) {
  size_t off = NextToken(data, 0);
  if (off == std::string_view::npos || data[off] != '[') return kMalformedArray;
  ++off;
  off = NextToken(data, off);
  if (off == std::string_view::npos) return kMalformedArray;
  if (data[off] == ']') return {};
  while (off < data.size()) {
    std::string_view value;
    ValueType type;
    size_t vend;
    std::string_view err = GetValue(data.substr(off), &value, &type, &vend);
    if (!err.empty()) return err;
    err = fn(value, type);
    if (!err.empty()) return err;
    off += vend;
    off = NextToken(data, off);
    if (off == std::string_view::npos) return kMalformedArray;
    if (data[off] == ']') return {};
    if (data[off] != ',') return kMalformedArray;
    ++off;
    off = NextToken(data, off);
    if (off == std::string_view::npos) return kMalformedArray;
  }
  return kMalformedArray;
}

}  // namespace loupe::query::logql::json

#include "query/logql/log/logfmt.h"

#include <cstdio>

#include "query/logql/log/json_scan.h"

namespace loupe::query::logql {

namespace {

bool HasRuneError(std::string_view s) {
  // Go's bytes.ContainsRune(s, utf8.RuneError): U+FFFD or an invalid sequence.
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c < 0xE0) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c < 0xF0) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c < 0xF5) { len = 4; cp = c & 0x07; }
    if (len == 0 || i + len > s.size()) return true;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return true;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp == 0xFFFD || (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return true;
    }
    i += len;
  }
  return false;
}

// go-logfmt's unquoteBytes: the quoted text (with quotes) to its value; false if invalid.
bool Unquote(std::string_view q, std::string* out) {
  if (q.size() < 2 || q.front() != '"' || q.back() != '"') return false;
  std::string_view body = q.substr(1, q.size() - 2);
  // JSON escapes plus \' (go-logfmt accepts it).
  std::string tmp;
  tmp.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && body[i + 1] == '\'') {
      tmp.push_back('\'');
      ++i;
      continue;
    }
    tmp.push_back(body[i]);
  }
  return json::Unescape(tmp, out);
}

}  // namespace

void LogfmtDecoder::SyntaxError(std::string_view msg) {
  err_ = "logfmt syntax error at pos " + std::to_string(pos_ + 1) + " : ";
  err_ += msg;
}

void LogfmtDecoder::UnexpectedByte(char c) {
  // Go's %q of a byte: a quoted character literal.
  std::string lit;
  if (c == '\'') lit = "'\\''";
  else if (c == '\\') lit = "'\\\\'";
  else if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F)
    lit = std::string("'") + c + "'";
  else {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "'\\x%02x'", static_cast<unsigned char>(c));
    lit = buf;
  }
  SyntaxError("unexpected " + lit);
}

bool LogfmtDecoder::SkipValue() {
  for (size_t i = pos_; i < line_.size(); ++i) {
    if (static_cast<unsigned char>(line_[i]) <= ' ') {
      pos_ = i;
      return false;
    }
  }
  pos_ = line_.size();
  return false;
}

bool LogfmtDecoder::ScanKeyval() {
  key_ = {};
  value_ = {};
  const std::string_view line = line_;
  // Garbage (spaces and control characters) before the key.
  while (pos_ < line.size() && static_cast<unsigned char>(line[pos_]) <= ' ') ++pos_;
  if (pos_ >= line.size()) return false;

  const size_t start = pos_;
  bool multibyte = false;
  for (; pos_ < line.size(); ++pos_) {
    const unsigned char c = static_cast<unsigned char>(line[pos_]);
    if (c == '=') {
      if (pos_ > start) {
        key_ = line.substr(start, pos_ - start);
        if (multibyte && HasRuneError(key_)) {
          SyntaxError("invalid key");
          return SkipValue();
        }
      }
      if (key_.data() == nullptr || key_.empty()) {
        UnexpectedByte('=');
        return SkipValue();
      }
      goto equal;
    }
    if (c == '"') {
      UnexpectedByte('"');
      return SkipValue();
    }
    if (c <= ' ') {
      if (pos_ > start) {
        key_ = line.substr(start, pos_ - start);
        if (multibyte && HasRuneError(key_)) {
          SyntaxError("invalid key");
          return false;
        }
      }
      return true;
    }
    if (c >= 0x80) multibyte = true;
  }
  if (pos_ > start) {
    key_ = line.substr(start, pos_ - start);
    if (multibyte && HasRuneError(key_)) {
      SyntaxError("invalid key");
      return false;
    }
  }
  return true;

equal:
  ++pos_;
  if (pos_ >= line.size()) return true;
  {
    const unsigned char c = static_cast<unsigned char>(line[pos_]);
    if (c <= ' ') return true;
    if (c == '"') goto qvalue;
  }
  {
    const size_t vstart = pos_;
    for (; pos_ < line.size(); ++pos_) {
      const unsigned char c = static_cast<unsigned char>(line[pos_]);
      if (c == '=' || c == '"') {
        UnexpectedByte(static_cast<char>(c));
        return SkipValue();
      }
      if (c <= ' ') {
        if (pos_ > vstart) value_ = line.substr(vstart, pos_ - vstart);
        return true;
      }
    }
    if (pos_ > vstart) value_ = line.substr(vstart, pos_ - vstart);
    return true;
  }

qvalue : {
  bool has_esc = false, esc = false;
  const size_t qstart = pos_;
  for (size_t p = pos_ + 1; p < line.size(); ++p) {
    const char c = line[p];
    if (esc) {
      esc = false;
    } else if (c == '\\') {
      has_esc = esc = true;
    } else if (c == '"') {
      pos_ = p + 1;
      if (has_esc) {
        if (!Unquote(line.substr(qstart, pos_ - qstart), &unquoted_)) {
          SyntaxError("invalid quoted value");
          return false;
        }
        value_ = unquoted_;
      } else if (pos_ - 1 > qstart + 1) {
        value_ = line.substr(qstart + 1, pos_ - 1 - (qstart + 1));
      }
      return true;
    }
  }
  pos_ = line.size();
  SyntaxError("unterminated quoted value");
  return false;
}
}

}  // namespace loupe::query::logql

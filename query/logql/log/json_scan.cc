#include "query/logql/log/json_scan.h"

#include <cstring>

namespace loupe::query::logql::json {

size_t NextToken(std::string_view data, size_t from) {
  for (size_t i = from; i < data.size(); ++i) {
    const char c = data[i];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return i;
  }
  return std::string_view::npos;
}

size_t StringEnd(std::string_view data, size_t from, bool* escaped) {
  bool esc = false;
  size_t i = from;
  while (i < data.size()) {
    const void* q = std::memchr(data.data() + i, '"', data.size() - i);
    if (q == nullptr) break;
    const size_t qi = static_cast<const char*>(q) - data.data();
    if (!esc && std::memchr(data.data() + i, '\\', qi - i) != nullptr) esc = true;
    if (!esc) {
      *escaped = false;
      return qi + 1;
    }
    // Count the backslashes right before the quote: an even number means it closes.
    size_t n = 0;
    while (qi >= from + n + 1 && data[qi - n - 1] == '\\') ++n;
    if (n % 2 == 0) {
      *escaped = true;
      return qi + 1;
    }
    i = qi + 1;
  }
  *escaped = esc;
  return std::string_view::npos;
}

namespace {

size_t BlockEnd(std::string_view data, char open, char close) {
  int level = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (c == '"') {
      bool esc;
      const size_t se = StringEnd(data, i + 1, &esc);
      if (se == std::string_view::npos) return std::string_view::npos;
      i = se - 1;
    } else if (c == open) {
      ++level;
    } else if (c == close) {
      --level;
      if (level == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

size_t TokenEnd(std::string_view data) {
  for (size_t i = 0; i < data.size(); ++i) {
    switch (data[i]) {
      case ' ': case '\n': case '\r': case '\t': case ',': case '}': case ']':
        return i;
      default:
        break;
    }
  }
  return data.size();
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Hex4(std::string_view s, size_t at, uint32_t* v) {
  if (at + 4 > s.size()) return false;
  uint32_t r = 0;
  for (size_t i = 0; i < 4; ++i) {
    const int h = HexVal(s[at + i]);
    if (h < 0) return false;
    r = r * 16 + static_cast<uint32_t>(h);
  }
  *v = r;
  return true;
}

void AppendUtf8(uint32_t r, std::string* out) {
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

}  // namespace

std::string_view GetValue(std::string_view data, std::string_view* value, ValueType* type,
                          size_t* end) {
  const size_t off = NextToken(data, 0);
  if (off == std::string_view::npos) {
    *type = ValueType::kNotExist;
    return kMalformedJson;
  }
  const char c = data[off];
  if (c == '"') {
    bool esc;
    const size_t se = StringEnd(data, off + 1, &esc);
    *type = ValueType::kString;
    if (se == std::string_view::npos) return kMalformedString;
    *value = data.substr(off + 1, se - off - 2);
    *end = se;
    return {};
  }
  if (c == '[' || c == '{') {
    const size_t be = BlockEnd(data.substr(off), c, c == '[' ? ']' : '}');
    *type = c == '[' ? ValueType::kArray : ValueType::kObject;
    if (be == std::string_view::npos) return c == '[' ? kMalformedArray : kMalformedObject;
    *value = data.substr(off, be);
    *end = off + be;
    return {};
  }
  const size_t te = TokenEnd(data.substr(off));
  const std::string_view v = data.substr(off, te);
  switch (c) {
    case 't': case 'f':
      if (v != "true" && v != "false") {
        *type = ValueType::kUnknown;
        return kUnknownValueType;
      }
      *type = ValueType::kBoolean;
      break;
    case 'u': case 'n':
      if (v != "null") {
        *type = ValueType::kUnknown;
        return kUnknownValueType;
      }
      *type = ValueType::kNull;
      break;
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8':
    case '9': case '-':
      *type = ValueType::kNumber;
      break;
    default:
      *type = ValueType::kUnknown;
      return kUnknownValueType;
  }
  *value = v;
  *end = off + te;
  return {};
}

bool Unescape(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (i + 1 >= in.size()) return false;
    const char e = in[++i];
    switch (e) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '/': out->push_back('/'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        uint32_t r;
        if (!Hex4(in, i + 1, &r)) return false;
        i += 4;
        if (r >= 0xD800 && r < 0xDC00) {
          uint32_t lo;
          if (i + 2 < in.size() && in[i + 1] == '\\' && in[i + 2] == 'u' &&
              Hex4(in, i + 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
            r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            r = 0xFFFD;
          }
        } else if (r >= 0xDC00 && r < 0xE000) {
          r = 0xFFFD;
        }
        AppendUtf8(r, out);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

namespace {

// Replaces invalid UTF-8 sequences and U+FFFD (each a Go utf8.RuneError) by a space.
void ReplaceRuneErrors(std::string* s) {
  std::string& v = *s;
  bool ascii = true;
  for (char c : v) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return;
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size();) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c < 0xE0) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c < 0xF0) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c < 0xF5) { len = 4; cp = c & 0x07; }
    bool ok = len > 0 && i + len <= v.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(v[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
          (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || cp == 0xFFFD) {
        ok = false;
      }
    }
    if (!ok) {
      out.push_back(' ');
      ++i;
      if (len > 0 && i + len - 1 <= v.size()) {
        // A complete but invalid/RuneError sequence counts as one rune in Go.
        bool complete = true;
        for (size_t k = 0; k + 1 < len; ++k) {
          if (i + k >= v.size() || (static_cast<unsigned char>(v[i + k]) & 0xC0) != 0x80) {
            complete = false;
            break;
          }
        }
        if (complete && cp == 0xFFFD) i += len - 1;
      }
      continue;
    }
    out.append(v, i, len);
    i += len;
  }
  v.swap(out);
}

}  // namespace

void StringValue(std::string_view raw, std::string* out) {
  if (!NeedsUnescape(raw)) {
    out->assign(raw);
  } else if (!Unescape(raw, out)) {
    out->clear();
    return;
  }
  ReplaceRuneErrors(out);
}

}  // namespace loupe::query::logql::json

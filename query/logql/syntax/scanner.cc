// Go text/scanner emulation for the LogQL lexer. See scanner.h.
#include "query/logql/syntax/scanner.h"

namespace loupe::query::logql::internal {

void Scanner::Error(const std::string& msg) { sink->Report(msg); }

int32_t Scanner::Read() {
  if (src_pos >= src.size()) {
    if (last_char_len > 0) ++column;
    last_char_len = 0;
    return kEOF;
  }
  int width;
  int32_t c = DecodeAt(src, src_pos, &width);
  if (c == -3) {
    src_pos += 1;
    last_char_len = 1;
    ++column;
    Error("invalid UTF-8 encoding");
    return 0xFFFD;
  }
  src_pos += static_cast<size_t>(width);
  last_char_len = width;
  ++column;
  if (c == 0) Error("invalid character NUL");
  if (c == '\n') {
    ++line;
    last_line_len = column;
    column = 0;
  }
  return c;
}

int32_t Scanner::Peek() {
  if (ch == kNone) {
    ch = Read();
    if (ch == 0xFEFF) ch = Read();
  }
  return ch;
}

int32_t Scanner::Next() {
  pos_line = 0;
  const int32_t c = Peek();
  if (c != kEOF) ch = Read();
  return c;
}

int32_t Scanner::ScanIdentifier() {
  int32_t c = Read();
  for (int i = 1; c == '_' || IsLetter(c) || (i > 0 && IsDecimal(c)); ++i) c = Read();
  return c;
}

int32_t Scanner::Digits(int32_t c, int base, int32_t* invalid, int* digsep) {
  if (base <= 10) {
    const int32_t max = '0' + base;
    while (IsDecimal(c) || c == '_') {
      int ds = 1;
      if (c == '_')
        ds = 2;
      else if (c >= max && invalid != nullptr && *invalid == 0)
        *invalid = c;
      *digsep |= ds;
      c = Read();
    }
  } else {
    while (IsHex(c) || c == '_') {
      *digsep |= c == '_' ? 2 : 1;
      c = Read();
    }
  }
  return c;
}

namespace {

std::string LitName(int32_t prefix) {
  switch (prefix) {
    case 'x':
      return "hexadecimal literal";
    case 'o':
    case '0':
      return "octal literal";
    case 'b':
      return "binary literal";
    default:
      return "decimal literal";
  }
}

std::string QuoteRune(int32_t r) {
  std::string s = "'";
  AppendRune(&s, r);
  return s + "'";
}

int InvalidSep(std::string_view x) {
  int32_t x1 = ' ';
  int32_t d = '.';
  size_t i = 0;
  if (x.size() >= 2 && x[0] == '0') {
    x1 = Lower(static_cast<unsigned char>(x[1]));
    if (x1 == 'x' || x1 == 'o' || x1 == 'b') {
      d = '0';
      i = 2;
    }
  }
  for (; i < x.size(); ++i) {
    const int32_t p = d;
    d = static_cast<unsigned char>(x[i]);
    if (d == '_') {
      if (p != '0') return static_cast<int>(i);
    } else if (IsDecimal(d) || (x1 == 'x' && IsHex(d))) {
      d = '0';
    } else {
      if (p == '_') return static_cast<int>(i) - 1;
      d = '.';
    }
  }
  if (d == '_') return static_cast<int>(x.size()) - 1;
  return -1;
}

}  // namespace

int32_t Scanner::ScanNumber(int32_t c, bool seen_dot, int32_t* tok) {
  int base = 10;
  int32_t prefix = 0;
  int digsep = 0;
  int32_t invalid = 0;
  if (!seen_dot) {
    *tok = kRawInt;
    if (c == '0') {
      c = Read();
      switch (Lower(c)) {
        case 'x':
          c = Read();
          base = 16;
          prefix = 'x';
          break;
        case 'o':
          c = Read();
          base = 8;
          prefix = 'o';
          break;
        case 'b':
          c = Read();
          base = 2;
          prefix = 'b';
          break;
        default:
          base = 8;
          prefix = '0';
          digsep = 1;
          break;
      }
    }
    c = Digits(c, base, &invalid, &digsep);
    if (c == '.') {
      c = Read();
      seen_dot = true;
    }
  }
  if (seen_dot) {
    *tok = kRawFloat;
    if (prefix == 'o' || prefix == 'b') Error("invalid radix point in " + LitName(prefix));
    c = Digits(c, base, &invalid, &digsep);
  }
  if ((digsep & 1) == 0) Error(LitName(prefix) + " has no digits");
  const int32_t e = Lower(c);
  if (e == 'e' || e == 'p') {
    if (e == 'e' && prefix != 0 && prefix != '0') {
      Error(QuoteRune(c) + " exponent requires decimal mantissa");
    } else if (e == 'p' && prefix != 'x') {
      Error(QuoteRune(c) + " exponent requires hexadecimal mantissa");
    }
    c = Read();
    *tok = kRawFloat;
    if (c == '+' || c == '-') c = Read();
    int ds = 0;
    c = Digits(c, 10, nullptr, &ds);
    digsep |= ds;
    if ((ds & 1) == 0) Error("exponent has no digits");
  } else if (prefix == 'x' && *tok == kRawFloat) {
    Error("hexadecimal mantissa requires a 'p' exponent");
  }
  if (*tok == kRawInt && invalid != 0) {
    Error("invalid digit " + QuoteRune(invalid) + " in " + LitName(prefix));
  }
  if (digsep & 2) {
    tok_end = src_pos - static_cast<size_t>(last_char_len);
    if (InvalidSep(src.substr(tok_start, tok_end - tok_start)) >= 0) {
      Error("'_' must separate successive digits");
    }
  }
  return c;
}

int32_t Scanner::ScanDigits(int32_t c, int base, int n) {
  auto val = [](int32_t d) {
    if (IsDecimal(d)) return d - '0';
    if (Lower(d) >= 'a' && Lower(d) <= 'f') return Lower(d) - 'a' + 10;
    return 16;
  };
  while (n > 0 && val(c) < base) {
    c = Read();
    --n;
  }
  if (n > 0) Error("invalid char escape");
  return c;
}

int32_t Scanner::ScanEscape(int32_t quote) {
  int32_t c = Read();
  switch (c) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\':
      return Read();
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      return ScanDigits(c, 8, 3);
    case 'x':
      return ScanDigits(Read(), 16, 2);
    case 'u':
      return ScanDigits(Read(), 16, 4);
    case 'U':
      return ScanDigits(Read(), 16, 8);
    default:
      if (c == quote) return Read();
      Error("invalid char escape");
      return c;
  }
}

int Scanner::ScanString(int32_t quote) {
  int n = 0;
  int32_t c = Read();
  while (c != quote) {
    if (c == '\n' || c < 0) {
      Error("literal not terminated");
      return n;
    }
    c = c == '\\' ? ScanEscape(quote) : Read();
    ++n;
  }
  return n;
}

void Scanner::ScanRawString() {
  int32_t c = Read();
  while (c != '`') {
    if (c < 0) {
      Error("literal not terminated");
      return;
    }
    c = Read();
  }
}

int32_t Scanner::ScanComment(int32_t c) {
  if (c == '/') {
    c = Read();
    while (c != '\n' && c >= 0) c = Read();
    return c;
  }
  c = Read();
  for (;;) {
    if (c < 0) {
      Error("comment not terminated");
      break;
    }
    const int32_t c0 = c;
    c = Read();
    if (c0 == '*' && c == '/') {
      c = Read();
      break;
    }
  }
  return c;
}

int32_t Scanner::Scan() {
  int32_t c = Peek();
  pos_line = 0;
  int32_t tok;
  for (;;) {
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = Read();
    tok_start = src_pos - static_cast<size_t>(last_char_len);
    if (column > 0) {
      pos_line = line;
      pos_col = column;
    } else {
      pos_line = line - 1;
      pos_col = last_line_len;
    }
    tok = c;
    if (c == '_' || IsLetter(c)) {
      tok = kRawIdent;
      c = ScanIdentifier();
    } else if (IsDecimal(c)) {
      c = ScanNumber(c, false, &tok);
    } else if (c == kEOF) {
      break;
    } else if (c == '"') {
      ScanString('"');
      tok = kRawString;
      c = Read();
    } else if (c == '`') {
      ScanRawString();
      tok = kRawRawString;
      c = Read();
    } else if (c == '\'') {
      if (ScanString('\'') != 1) Error("invalid char literal");
      tok = kRawChar;
      c = Read();
    } else if (c == '.') {
      c = Read();
      if (IsDecimal(c)) c = ScanNumber(c, true, &tok);
    } else if (c == '/') {
      c = Read();
      if (c == '/' || c == '*') {
        c = ScanComment(c);
        continue;  // comments are white space
      }
    } else {
      c = Read();
    }
    break;
  }
  tok_end = src_pos - static_cast<size_t>(last_char_len);
  ch = c;
  return tok;
}

bool Unquote(std::string_view lit, std::string* out) {
  out->clear();
  if (lit.size() < 2) return false;
  const char q = lit.front();
  if (q != lit.back()) return false;
  std::string_view body = lit.substr(1, lit.size() - 2);
  if (q == '`') {
    for (char c : body) {
      if (c != '\r') out->push_back(c);
    }
    return true;
  }
  for (size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (c == q || c == '\n') return false;
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= body.size()) return false;
    const char e = body[i + 1];
    i += 2;
    auto hex = [&](int n, uint32_t* v) {
      if (i + n > body.size()) return false;
      *v = 0;
      for (int k = 0; k < n; ++k) {
        const int32_t d = static_cast<unsigned char>(body[i + k]);
        if (!IsHex(d)) return false;
        *v = *v * 16 + static_cast<uint32_t>(IsDecimal(d) ? d - '0' : Lower(d) - 'a' + 10);
      }
      i += n;
      return true;
    };
    uint32_t v;
    switch (e) {
      case 'a':
        out->push_back('\a');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '\'':
      case '"':
        if (e != q) return false;
        out->push_back(e);
        break;
      case 'x':
        if (!hex(2, &v)) return false;
        out->push_back(static_cast<char>(v));
        break;
      case 'u':
      case 'U':
        if (!hex(e == 'u' ? 4 : 8, &v)) return false;
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
        AppendRune(out, static_cast<int32_t>(v));
        break;
      default: {
        if (e < '0' || e > '7') return false;
        v = static_cast<uint32_t>(e - '0');
        for (int k = 0; k < 2; ++k, ++i) {
          if (i >= body.size() || body[i] < '0' || body[i] > '7') return false;
          v = v * 8 + static_cast<uint32_t>(body[i] - '0');
        }
        if (v > 255) return false;
        out->push_back(static_cast<char>(v));
      }
    }
  }
  return true;
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    int w;
    if (DecodeAt(s, i, &w) == -3) return false;
    i += static_cast<size_t>(w);
  }
  return true;
}

}  // namespace loupe::query::logql::internal

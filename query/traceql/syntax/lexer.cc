#include "query/traceql/syntax/lexer.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "storage/base/units.h"

namespace loupe::query::traceql {
namespace {

struct Keyword {
  std::string_view text;
  Tok tok;
};

constexpr Keyword kKeywords[] = {
    {"true", Tok::kTrue},
    {"false", Tok::kFalse},
    {"nil", Tok::kNil},
    {"ok", Tok::kStatusOk},
    {"error", Tok::kStatusError},
    {"unset", Tok::kStatusUnset},
    {"unspecified", Tok::kKindUnspecified},
    {"internal", Tok::kKindInternal},
    {"server", Tok::kKindServer},
    {"client", Tok::kKindClient},
    {"producer", Tok::kKindProducer},
    {"consumer", Tok::kKindConsumer},
    {"duration", Tok::kIDuration},
    {"childCount", Tok::kChildCount},
    {"name", Tok::kName},
    {"status", Tok::kStatus},
    {"statusMessage", Tok::kStatusMessage},
    {"kind", Tok::kKind},
    {"parent", Tok::kParent},
    {"rootName", Tok::kRootName},
    {"rootServiceName", Tok::kRootServiceName},
    {"traceDuration", Tok::kTraceDuration},
    {"nestedSetLeft", Tok::kNestedSetLeft},
    {"nestedSetRight", Tok::kNestedSetRight},
    {"nestedSetParent", Tok::kNestedSetParent},
    {"count", Tok::kCount},
    {"avg", Tok::kAvg},
    {"max", Tok::kMax},
    {"min", Tok::kMin},
    {"sum", Tok::kSum},
    {"by", Tok::kBy},
    {"coalesce", Tok::kCoalesce},
    {"select", Tok::kSelect},
    {"rate", Tok::kRate},
    {"count_over_time", Tok::kCountOverTime},
    {"min_over_time", Tok::kMinOverTime},
    {"max_over_time", Tok::kMaxOverTime},
    {"avg_over_time", Tok::kAvgOverTime},
    {"sum_over_time", Tok::kSumOverTime},
    {"quantile_over_time", Tok::kQuantileOverTime},
    {"histogram_over_time", Tok::kHistogramOverTime},
    {"compare", Tok::kCompare},
    {"topk", Tok::kTopK},
    {"bottomk", Tok::kBottomK},
    {"with", Tok::kWith},
};

// Operators, longest spelling first so the first match is the longest one.
constexpr Keyword kOperators[] = {
    {"!>>", Tok::kNotDesc},    {"!<<", Tok::kNotAnce},  {"&>>", Tok::kUnionDesc},
    {"&<<", Tok::kUnionAnce},  {"!=", Tok::kNeq},       {"!~", Tok::kNre},
    {"!>", Tok::kNotChild},    {"!<", Tok::kNotParent}, {"=~", Tok::kRe},
    {">=", Tok::kGte},         {">>", Tok::kDesc},      {"<=", Tok::kLte},
    {"<<", Tok::kAnce},        {"&&", Tok::kAnd},       {"&>", Tok::kUnionChild},
    {"&<", Tok::kUnionParent}, {"&~", Tok::kUnionSibl}, {"||", Tok::kOr},
    {",", Tok::kComma},        {"{", Tok::kOpenBrace},  {"}", Tok::kCloseBrace},
    {"(", Tok::kOpenParen},    {")", Tok::kCloseParen}, {"[", Tok::kOpenBracket},
    {"]", Tok::kCloseBracket}, {"=", Tok::kEq},         {"!", Tok::kNot},
    {">", Tok::kGt},           {"<", Tok::kLt},         {"+", Tok::kAdd},
    {"-", Tok::kSub},          {"*", Tok::kMul},        {"/", Tok::kDiv},
    {"%", Tok::kMod},          {"^", Tok::kPow},        {"|", Tok::kPipe},
    {"~", Tok::kTilde},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

// Decodes the UTF-8 code point at s[i]; sets *len to its byte length (1 for invalid bytes).
uint32_t DecodeRune(std::string_view s, size_t i, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    *len = 2;
    return ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    *len = 3;
    return ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    *len = 4;
    return ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
  }
  *len = 1;
  return 0xFFFD;
}

// Unicode White_Space, as Go's unicode.IsSpace.
bool IsUnicodeSpace(uint32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// Characters that may appear unquoted in an attribute name (Tempo's isAttributeRune).
bool IsAttributeRune(uint32_t r) {
  if (IsUnicodeSpace(r)) return false;
  switch (r) {
    case '{':
    case '}':
    case '(':
    case ')':
    case '=':
    case '~':
    case '!':
    case '<':
    case '>':
    case '&':
    case '|':
    case '^':
    case ',':
      return false;
    default:
      return true;
  }
}

bool IsDurationByte(char c) {
  switch (c) {
    case 'n':
    case 's':
    case 'u':
    case 'm':
    case 'h':
    case 'd':
    case 'w':
    case 'y':
    case '.':
      return true;
    default:
      return IsDigit(c);
  }
}

void AppendUtf8(std::string* out, uint32_t r) {
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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      LOUPE_RETURN_IF_ERROR(SkipSpaceAndComments());
      Token t;
      t.pos = Here();
      if (i_ >= src_.size()) {
        t.kind = Tok::kEnd;
        out.push_back(std::move(t));
        return out;
      }
      LOUPE_RETURN_IF_ERROR(Next(&t));
      out.push_back(std::move(t));
    }
  }

 private:
  Pos Here() const { return Pos{static_cast<uint32_t>(i_), line_, col_}; }
  char Peek(size_t k = 0) const { return i_ + k < src_.size() ? src_[i_ + k] : '\0'; }
  bool AtEnd() const { return i_ >= src_.size(); }

  void Advance(size_t n) {
    for (size_t k = 0; k < n && i_ < src_.size(); ++k, ++i_) {
      const auto b = static_cast<unsigned char>(src_[i_]);
      if (b == '\n') {
        ++line_;
        col_ = 1;
      } else if ((b & 0xC0) != 0x80) {
        ++col_;
      }
    }
  }

  Status Error(const Pos& p, std::string_view msg) const {
    return Status::InvalidArgument("parse error at line " + std::to_string(p.line) + ", col " +
                                   std::to_string(p.col) + ": " + std::string(msg));
  }

  Status SkipSpaceAndComments() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        Advance(1);
      } else if (c == '/' && Peek(1) == '/') {
        while (!AtEnd() && Peek() != '\n') Advance(1);
      } else if (c == '/' && Peek(1) == '*') {
        const Pos start = Here();
        Advance(2);
        while (!AtEnd() && !(Peek() == '*' && Peek(1) == '/')) Advance(1);
        if (AtEnd()) return Error(start, "comment not terminated");
        Advance(2);
      } else {
        break;
      }
    }
    return Status::OK();
  }

  Status Next(Token* t) {
    const char c = Peek();
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return Number(t);
    if (c == '"') return QuotedString(t);
    if (c == '`') return RawString(t);
    if (c == '.') {
      Advance(1);
      return AttributeName(t, AttributeScope::kNone, false, ".");
    }
    if (IsIdentStart(c)) return Word(t);
    for (const Keyword& op : kOperators) {
      if (src_.substr(i_, op.text.size()) == op.text) {
        t->kind = op.tok;
        t->text = std::string(op.text);
        Advance(op.text.size());
        return Status::OK();
      }
    }
    size_t len = 1;
    DecodeRune(src_, i_, &len);
    t->kind = Tok::kUnknown;
    t->text = std::string(src_.substr(i_, len));
    Advance(len);
    return Status::OK();
  }

  Status Word(Token* t) {
    const size_t start = i_;
    while (!AtEnd() && IsIdentChar(Peek())) Advance(1);
    const std::string_view word = src_.substr(start, i_ - start);
    if (Peek() == '.') {
      AttributeScope scope = AttributeScope::kNone;
      bool known = true;
      bool parent = false;
      if (word == "span")
        scope = AttributeScope::kSpan;
      else if (word == "resource")
        scope = AttributeScope::kResource;
      else if (word == "event")
        scope = AttributeScope::kEvent;
      else if (word == "link")
        scope = AttributeScope::kLink;
      else if (word == "instrumentation")
        scope = AttributeScope::kInstrumentation;
      else if (word == "parent")
        parent = true;
      else
        known = false;
      if (known) {
        Advance(1);
        std::string prefix = std::string(word) + ".";
        if (parent) {
          // Only span. and resource. may follow parent. (Tempo's tryScopeAttribute).
          if (src_.substr(i_, 5) == "span.") {
            scope = AttributeScope::kSpan;
            Advance(5);
            prefix += "span.";
          } else if (src_.substr(i_, 9) == "resource.") {
            scope = AttributeScope::kResource;
            Advance(9);
            prefix += "resource.";
          }
        }
        return AttributeName(t, scope, parent, prefix);
      }
    }
    if (Peek() == ':' && (word == "span" || word == "trace" || word == "event" || word == "link" ||
                          word == "instrumentation")) {
      Advance(1);
      const size_t name_start = i_;
      while (!AtEnd() && IsIdentChar(Peek())) Advance(1);
      t->kind = Tok::kScopedIntrinsic;
      t->text = std::string(word) + ":" + std::string(src_.substr(name_start, i_ - name_start));
      return Status::OK();
    }
    t->text = std::string(word);
    t->kind = Tok::kIdent;
    for (const Keyword& k : kKeywords) {
      if (k.text == word) {
        t->kind = k.tok;
        break;
      }
    }
    return Status::OK();
  }

  // Reads an attribute name after its scope prefix (already consumed).
  Status AttributeName(Token* t, AttributeScope scope, bool parent, std::string prefix) {
    std::string name;
    while (!AtEnd()) {
      if (Peek() == '"') {
        const Pos quote = Here();
        Advance(1);
        bool closed = false;
        while (!AtEnd()) {
          const char c = Peek();
          if (c == '"') {
            Advance(1);
            closed = true;
            break;
          }
          if (c == '\\') {
            const char e = Peek(1);
            if (e != '"' && e != '\\') return Error(Here(), "invalid escape sequence");
            name.push_back(e);
            Advance(2);
            continue;
          }
          name.push_back(c);
          Advance(1);
        }
        if (!closed) return Error(quote, "unexpected EOF, expecting \"");
        continue;
      }
      size_t len = 1;
      const uint32_t r = DecodeRune(src_, i_, &len);
      if (!IsAttributeRune(r)) break;
      name.append(src_.substr(i_, len));
      Advance(len);
    }
    t->scope = scope;
    t->parent = parent;
    if (name.empty()) {
      t->kind = Tok::kEmptyAttribute;
      t->text = std::move(prefix);
    } else {
      t->kind = Tok::kAttribute;
      t->text = std::move(name);
    }
    return Status::OK();
  }

  Status Number(Token* t) {
    const size_t start = i_;
    bool is_float = false;
    while (IsDigit(Peek())) Advance(1);
    if (Peek() == '.') {
      is_float = true;
      Advance(1);
      while (IsDigit(Peek())) Advance(1);
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && IsDigit(Peek(2))))) {
      is_float = true;
      Advance(2);
      while (IsDigit(Peek())) Advance(1);
    }
    const std::string_view number = src_.substr(start, i_ - start);
    // A directly following run of digits, '.' and unit letters may make it a duration.
    size_t run = 0;
    while (i_ + run < src_.size()) {
      const char c = src_[i_ + run];
      if (IsDurationByte(c)) {
        ++run;
      } else if (c == '\xC2' && i_ + run + 1 < src_.size() && src_[i_ + run + 1] == '\xB5') {
        run += 2;  // µ
      } else {
        break;
      }
    }
    if (run > 0) {
      std::string text(number);
      text.append(src_.substr(i_, run));
      auto d = ParseDurationNanos(text);
      if (d.ok()) {
        Advance(run);
        t->kind = Tok::kDuration;
        t->int_value = *d;
        t->text = std::move(text);
        return Status::OK();
      }
    }
    t->text = std::string(number);
    if (!is_float) {
      int64_t v = 0;
      const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
      if (ec != std::errc() || ptr != number.data() + number.size()) {
        return Error(t->pos, "strconv.Atoi: parsing \"" + t->text + "\": value out of range");
      }
      t->kind = Tok::kInt;
      t->int_value = v;
      return Status::OK();
    }
    double v = 0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if (ec != std::errc() || ptr != number.data() + number.size() || std::isinf(v)) {
      return Error(t->pos, "strconv.ParseFloat: parsing \"" + t->text + "\": value out of range");
    }
    t->kind = Tok::kFloat;
    t->float_value = v;
    return Status::OK();
  }

  Status QuotedString(Token* t) {
    Advance(1);
    std::string out;
    while (true) {
      if (AtEnd() || Peek() == '\n') return Error(t->pos, "literal not terminated");
      const char c = Peek();
      if (c == '"') {
        Advance(1);
        break;
      }
      if (c != '\\') {
        out.push_back(c);
        Advance(1);
        continue;
      }
      const Pos esc = Here();
      const char e = Peek(1);
      Advance(2);
      auto bad = [&] { return Error(esc, "escape sequence is invalid"); };
      switch (e) {
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '"':
          out.push_back('"');
          break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          int v = e - '0';
          for (int k = 0; k < 2; ++k) {
            const char d = Peek();
            if (d < '0' || d > '7') return bad();
            v = v * 8 + (d - '0');
            Advance(1);
          }
          if (v > 255) return bad();
          out.push_back(static_cast<char>(v));
          break;
        }
        case 'x':
        case 'u':
        case 'U': {
          const int digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          uint32_t v = 0;
          for (int k = 0; k < digits; ++k) {
            const int h = HexValue(Peek());
            if (h < 0) return bad();
            v = v * 16 + static_cast<uint32_t>(h);
            Advance(1);
          }
          if (e == 'x') {
            out.push_back(static_cast<char>(v));
          } else {
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return bad();
            AppendUtf8(&out, v);
          }
          break;
        }
        default:
          return bad();
      }
    }
    t->kind = Tok::kString;
    t->text = std::move(out);
    return Status::OK();
  }

  Status RawString(Token* t) {
    Advance(1);
    std::string out;
    while (true) {
      if (AtEnd()) return Error(t->pos, "literal not terminated");
      const char c = Peek();
      Advance(1);
      if (c == '`') break;
      if (c != '\r') out.push_back(c);  // Go drops carriage returns from raw strings
    }
    t->kind = Tok::kString;
    t->text = std::move(out);
    return Status::OK();
  }

  std::string_view src_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  uint32_t col_ = 1;
};

}  // namespace

std::string TokenDisplay(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd:
      return "$end";
    case Tok::kIdent:
      return "IDENTIFIER";
    case Tok::kString:
      return "STRING";
    case Tok::kInt:
      return "INTEGER";
    case Tok::kFloat:
      return "FLOAT";
    case Tok::kDuration:
      return "DURATION";
    case Tok::kEmptyAttribute:
      return "END_ATTRIBUTE";
    case Tok::kAttribute: {
      std::string prefix = t.parent ? "parent." : "";
      if (t.scope != AttributeScope::kNone) {
        prefix += std::string(AttributeScopeName(t.scope)) + ".";
      }
      return prefix.empty() ? "." : prefix;
    }
    case Tok::kScopedIntrinsic:
      return t.text.substr(0, t.text.find(':') + 1);
    default:
      return t.text;
  }
}

Result<std::vector<Token>> Tokenize(std::string_view query) { return Lexer(query).Run(); }

}  // namespace loupe::query::traceql

#include "query/logql/syntax/lexer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "query/logql/syntax/go_compat.h"
#include "query/logql/syntax/scanner.h"

// Loki's lexer (pkg/logql/syntax/lex.go) on top of the Go scanner emulation (scanner.h):
// durations, byte sizes, ranges, flags, keywords and function names.

namespace loupe::query::logql {
namespace {

using internal::AppendRune;
using internal::DecodeAt;
using internal::ErrorSink;
using internal::IsDecimal;
using internal::IsLetter;
using internal::IsSpace;
using internal::kEOF;
using internal::kRawEOF;
using internal::kRawFloat;
using internal::kRawInt;
using internal::kRawRawString;
using internal::kRawString;
using internal::Lower;
using internal::Scanner;

bool IsDurationRune(int32_t r) {
  switch (r) {
    case 'n':
    case 'u':
    case 0xB5:
    case 'm':
    case 's':
    case 'h':
    case 'd':
    case 'w':
    case 'y':
      return true;
    default:
      return false;
  }
}

bool IsBytesSizeRune(int32_t r) {
  switch (r) {
    case 'B':
    case 'i':
    case 'k':
    case 'K':
    case 'M':
    case 'G':
    case 'T':
    case 'P':
      return true;
    default:
      return false;
  }
}

struct Keyword {
  std::string_view text;
  Tok tok;
};

// Loki's `tokens` map (always keywords, case-insensitive).
constexpr Keyword kKeywords[] = {
    {",", Tok::kComma},
    {".", Tok::kDot},
    {"{", Tok::kOpenBrace},
    {"}", Tok::kCloseBrace},
    {"=", Tok::kEq},
    {"!=", Tok::kNeq},
    {"=~", Tok::kRe},
    {"!~", Tok::kNre},
    {"!>", Tok::kNpa},
    {"|=", Tok::kPipeExact},
    {"|~", Tok::kPipeMatch},
    {"|>", Tok::kPipePattern},
    {"|", Tok::kPipe},
    {"unwrap", Tok::kUnwrap},
    {"(", Tok::kOpenParen},
    {")", Tok::kCloseParen},
    {"by", Tok::kBy},
    {"without", Tok::kWithout},
    {"bool", Tok::kBool},
    {"[", Tok::kOpenBracket},
    {"]", Tok::kCloseBracket},
    {"label_replace", Tok::kLabelReplace},
    {"offset", Tok::kOffset},
    {"on", Tok::kOn},
    {"ignoring", Tok::kIgnoring},
    {"group_left", Tok::kGroupLeft},
    {"group_right", Tok::kGroupRight},
    {"or", Tok::kOr},
    {"and", Tok::kAnd},
    {"unless", Tok::kUnless},
    {"+", Tok::kAdd},
    {"-", Tok::kSub},
    {"*", Tok::kMul},
    {"/", Tok::kDiv},
    {"%", Tok::kMod},
    {"^", Tok::kPow},
    {"==", Tok::kCmpEq},
    {">", Tok::kGt},
    {">=", Tok::kGte},
    {"<", Tok::kLt},
    {"<=", Tok::kLte},
    {"json", Tok::kJson},
    {"regexp", Tok::kRegexp},
    {"logfmt", Tok::kLogfmt},
    {"unpack", Tok::kUnpack},
    {"pattern", Tok::kPattern},
    {"label_format", Tok::kLabelFmt},
    {"line_format", Tok::kLineFmt},
    {"ip", Tok::kIp},
    {"decolorize", Tok::kDecolorize},
    {"drop", Tok::kDrop},
    {"keep", Tok::kKeep},
    {"variants", Tok::kVariants},
    {"of", Tok::kOf},
};

// Loki's `functionTokens`: keywords only when followed by "(" or "by|without (".
constexpr Keyword kFunctions[] = {
    {"rate", Tok::kRate},
    {"rate_counter", Tok::kRateCounter},
    {"count_over_time", Tok::kCountOverTime},
    {"bytes_rate", Tok::kBytesRate},
    {"bytes_over_time", Tok::kBytesOverTime},
    {"avg_over_time", Tok::kAvgOverTime},
    {"sum_over_time", Tok::kSumOverTime},
    {"min_over_time", Tok::kMinOverTime},
    {"max_over_time", Tok::kMaxOverTime},
    {"stdvar_over_time", Tok::kStdvarOverTime},
    {"stddev_over_time", Tok::kStddevOverTime},
    {"quantile_over_time", Tok::kQuantileOverTime},
    {"first_over_time", Tok::kFirstOverTime},
    {"last_over_time", Tok::kLastOverTime},
    {"absent_over_time", Tok::kAbsentOverTime},
    {"vector", Tok::kVector},
    {"sum", Tok::kSum},
    {"avg", Tok::kAvg},
    {"max", Tok::kMax},
    {"min", Tok::kMin},
    {"count", Tok::kCount},
    {"stddev", Tok::kStddev},
    {"stdvar", Tok::kStdvar},
    {"bottomk", Tok::kBottomk},
    {"topk", Tok::kTopk},
    {"sort", Tok::kSort},
    {"sort_desc", Tok::kSortDesc},
    {"label_replace", Tok::kLabelReplace},
    {"approx_topk", Tok::kApproxTopk},
    {"bytes", Tok::kBytesConv},
    {"duration", Tok::kDurationConv},
    {"duration_seconds", Tok::kDurationSecondsConv},
    {"ip", Tok::kIp},
};

const Keyword* Find(const Keyword* begin, const Keyword* end, std::string_view text) {
  for (const Keyword* k = begin; k != end; ++k) {
    if (k->text == text) return k;
  }
  return nullptr;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view TokName(Tok t) {
  static const auto kNames = [] {
    std::array<std::string_view, static_cast<size_t>(Tok::kPow) + 1> n{};
    n[0] = "$end";
    const char* const kGrammarNames[] = {"BYTES",
                                         "IDENTIFIER",
                                         "STRING",
                                         "NUMBER",
                                         "FUNCTION_FLAG",
                                         "DURATION",
                                         "RANGE",
                                         "MATCHERS",
                                         "LABELS",
                                         "EQ",
                                         "RE",
                                         "NRE",
                                         "NPA",
                                         "OPEN_BRACE",
                                         "CLOSE_BRACE",
                                         "OPEN_BRACKET",
                                         "CLOSE_BRACKET",
                                         "COMMA",
                                         "DOT",
                                         "PIPE_MATCH",
                                         "PIPE_EXACT",
                                         "PIPE_PATTERN",
                                         "OPEN_PARENTHESIS",
                                         "CLOSE_PARENTHESIS",
                                         "BY",
                                         "WITHOUT",
                                         "COUNT_OVER_TIME",
                                         "RATE",
                                         "RATE_COUNTER",
                                         "SUM",
                                         "SORT",
                                         "SORT_DESC",
                                         "AVG",
                                         "MAX",
                                         "MIN",
                                         "COUNT",
                                         "STDDEV",
                                         "STDVAR",
                                         "BOTTOMK",
                                         "TOPK",
                                         "APPROX_TOPK",
                                         "BYTES_OVER_TIME",
                                         "BYTES_RATE",
                                         "BOOL",
                                         "JSON",
                                         "XML",
                                         "REGEXP",
                                         "LOGFMT",
                                         "PIPE",
                                         "LINE_FMT",
                                         "LABEL_FMT",
                                         "UNWRAP",
                                         "AVG_OVER_TIME",
                                         "SUM_OVER_TIME",
                                         "MIN_OVER_TIME",
                                         "MAX_OVER_TIME",
                                         "STDVAR_OVER_TIME",
                                         "STDDEV_OVER_TIME",
                                         "QUANTILE_OVER_TIME",
                                         "BYTES_CONV",
                                         "DURATION_CONV",
                                         "DURATION_SECONDS_CONV",
                                         "FIRST_OVER_TIME",
                                         "LAST_OVER_TIME",
                                         "ABSENT_OVER_TIME",
                                         "VECTOR",
                                         "LABEL_REPLACE",
                                         "UNPACK",
                                         "OFFSET",
                                         "PATTERN",
                                         "IP",
                                         "ON",
                                         "IGNORING",
                                         "GROUP_LEFT",
                                         "GROUP_RIGHT",
                                         "DECOLORIZE",
                                         "DROP",
                                         "KEEP",
                                         "VARIANTS",
                                         "OF",
                                         "OR",
                                         "AND",
                                         "UNLESS",
                                         "CMP_EQ",
                                         "NEQ",
                                         "LT",
                                         "LTE",
                                         "GT",
                                         "GTE",
                                         "ADD",
                                         "SUB",
                                         "MUL",
                                         "DIV",
                                         "MOD",
                                         "POW"};
    for (size_t i = 0; i < std::size(kGrammarNames); ++i) n[i + 1] = kGrammarNames[i];
    // Loki renames the tokens of its keyword map to their source text.
    for (const auto& k : kKeywords) n[static_cast<size_t>(k.tok)] = k.text;
    return n;
  }();
  return kNames[static_cast<size_t>(t)];
}

struct Lexer::Impl {
  Scanner s;
  ErrorSink sink;

  // Byte offsets of characters Go's scanner reports when it reads them (NUL, invalid UTF-8).
  std::vector<std::pair<size_t, const char*>> bad_chars;

  explicit Impl(std::string_view input) {
    s.src = input;
    s.sink = &sink;
    sink.owner = &s;
    for (size_t i = 0; i < input.size();) {
      int w;
      const int32_t c = DecodeAt(input, i, &w);
      if (c == -3)
        bad_chars.emplace_back(i, "invalid UTF-8 encoding");
      else if (c == 0)
        bad_chars.emplace_back(i, "invalid character NUL");
      i += static_cast<size_t>(w);
    }
  }

  // Reports what reading from byte `from` to the end of the input would report.
  void ReportBadCharFrom(size_t from) {
    auto it = std::lower_bound(bad_chars.begin(), bad_chars.end(), from,
                               [](const auto& e, size_t v) { return e.first < v; });
    if (it != bad_chars.end()) sink.Report(it->second);
  }

  Token Make(Tok type, size_t offset) {
    Token t;
    t.type = type;
    t.offset = offset;
    t.line = s.pos_line;
    t.col = s.pos_col;
    return t;
  }

  // Loki's tryScanDuration / tryScanBytes: extend a number with the runes of a unit.
  template <typename Accept, typename Parse>
  bool TryExtend(std::string_view number, Accept accept, Parse parse) {
    std::string text(number);
    Scanner copy = s;
    int consumed = 0;
    for (int32_t r = copy.Peek(); r != kEOF && !IsSpace(r); r = copy.Peek()) {
      if (!IsDecimal(r) && !accept(r) && r != '.') break;
      AppendRune(&text, r);
      copy.Next();
      ++consumed;
    }
    if (consumed == 0 || !parse(text)) return false;
    for (int i = 0; i < consumed; ++i) s.Next();
    return true;
  }

  bool TryDuration(std::string_view number, int64_t* out) {
    return TryExtend(number, IsDurationRune, [&](const std::string& text) {
      auto prom = gocompat::ParsePromDuration(text);
      if (prom.ok()) {
        *out = *prom;
        return true;
      }
      auto go = gocompat::ParseGoDuration(text);
      if (!go) return false;
      *out = *go;
      return true;
    });
  }

  bool TryBytes(std::string_view number, uint64_t* out) {
    return TryExtend(number, IsBytesSizeRune, [&](const std::string& text) {
      auto b = gocompat::HumanizeParseBytes(text);
      if (!b) return false;
      *out = *b;
      return true;
    });
  }

  bool TryFlag(std::string* flag) {
    std::string text(s.TokenText());
    Scanner copy = s;
    int consumed = 0;
    for (int32_t r = copy.Peek(); IsLetter(r) || r == '-'; r = copy.Peek()) {
      AppendRune(&text, r);
      copy.Next();
      ++consumed;
    }
    if (text != "--strict" && text != "--keep-empty") return false;
    for (int i = 0; i < consumed; ++i) s.Next();
    *flag = text;
    return true;
  }

  // Loki's isFunction: after optional space, "(" or "by"/"without" then "(". Go reads on to
  // the end of the input when nothing matches; we stop early once no match is possible and
  // report, as Go would, any bad character the longer read would have met.
  bool IsFunction() {
    Scanner copy = s;
    while (IsSpace(copy.Peek())) copy.Next();
    std::string sb;
    for (int32_t r = copy.Next(); r != kEOF; r = copy.Next()) {
      AppendRune(&sb, r);
      const std::string lower = ToLower(sb);
      if (lower == "(") return true;
      if (lower == "by" || lower == "without") {
        while (IsSpace(copy.Peek())) copy.Next();
        return copy.Next() == '(';
      }
      if (std::string_view("by").substr(0, lower.size()) != lower &&
          std::string_view("without").substr(0, lower.size()) != lower) {
        ReportBadCharFrom(copy.src_pos);
        return false;
      }
    }
    return false;
  }

  Token Lex() {
    const int32_t r = s.Scan();
    if (sink.first) return Make(Tok::kEnd, s.tok_start);
    const size_t start = s.tok_start;
    switch (r) {
      case '#': {
        for (int32_t next = s.Peek(); !(next == '\n' || next == kEOF); next = s.Next()) {
        }
        return Lex();
      }
      case kRawEOF:
        return Make(Tok::kEnd, start);
      case kRawInt:
      case kRawFloat: {
        const std::string number(s.TokenText());
        Token t = Make(Tok::kNumber, start);
        if (TryDuration(number, &t.nanos)) {
          t.type = Tok::kDuration;
        } else if (TryBytes(number, &t.bytes)) {
          t.type = Tok::kBytes;
        } else {
          t.text = number;
        }
        t.line = s.pos_line;
        return t;
      }
      case '-': {
        Token t = Make(Tok::kParserFlag, start);
        if (s.Peek() == '-' && TryFlag(&t.text)) {
          t.line = s.pos_line;
          return t;
        }
        if (TryDuration(s.TokenText(), &t.nanos)) {
          t.type = Tok::kDuration;
          t.line = s.pos_line;
          return t;
        }
        break;
      }
      case kRawString:
      case kRawRawString: {
        const std::string_view text = s.TokenText();
        if (!internal::ValidUtf8(text)) {
          sink.Report("invalid UTF-8 rune");
          return Make(Tok::kEnd, start);
        }
        Token t = Make(Tok::kString, start);
        if (!internal::Unquote(text, &t.text)) {
          sink.Report("invalid syntax");
          return Make(Tok::kEnd, start);
        }
        return t;
      }
      default:
        break;
    }
    if (r == '[') {
      Token t = Make(Tok::kRange, start);
      std::string body;
      for (int32_t c = s.Next(); c != kEOF; c = s.Next()) {
        if (c == ']') {
          auto d = gocompat::ParsePromDuration(body);
          if (!d.ok()) {
            sink.Report(d.status().message());
            return Make(Tok::kEnd, start);
          }
          t.nanos = *d;
          t.line = s.pos_line;
          return t;
        }
        AppendRune(&body, c);
      }
      sink.Report("missing closing ']' in duration");
      return Make(Tok::kEnd, start);
    }
    const std::string text(s.TokenText());
    const std::string lower = ToLower(text);
    std::string next_lower = lower;
    const int32_t peek = s.Peek();
    if (peek >= 0) AppendRune(&next_lower, peek);
    next_lower = ToLower(next_lower);
    if (const Keyword* f = Find(std::begin(kFunctions), std::end(kFunctions), lower)) {
      if (!IsFunction()) {
        Token t = Make(Tok::kIdentifier, start);
        t.text = text;
        return t;
      }
      return Make(f->tok, start);
    }
    if (peek >= 0) {
      if (const Keyword* k = Find(std::begin(kKeywords), std::end(kKeywords), next_lower)) {
        s.Next();
        return Make(k->tok, start);
      }
    }
    if (const Keyword* k = Find(std::begin(kKeywords), std::end(kKeywords), lower)) {
      return Make(k->tok, start);
    }
    Token t = Make(Tok::kIdentifier, start);
    t.text = text;
    return t;
  }
};

Lexer::Lexer(std::string_view input) : impl_(std::make_unique<Impl>(input)) {}
Lexer::~Lexer() = default;

Token Lexer::Next() {
  if (impl_->sink.first) return impl_->Make(Tok::kEnd, impl_->s.src.size());
  Token t = impl_->Lex();
  if (impl_->sink.first) {
    t = Token{};
    t.offset = impl_->s.src.size();
  }
  return t;
}

const LexError* Lexer::error() const { return impl_->sink.first.get(); }

}  // namespace loupe::query::logql

// The lexer below reproduces the token boundaries of Prometheus's promlex.l state machine
// (including where it stops on a byte it cannot accept), because Prometheus's error messages
// quote the offending token and the line up to one byte past it.
#include "ingest/prom/textparse/prom_parser.h"

#include <algorithm>
#include <cstring>

#include "ingest/prom/textparse/go_text.h"

namespace loupe::ingest::prom {

using lex::Tok;

namespace {

constexpr lex::QuoteRules kNameQuote{/*allow_newline=*/true, /*allow_nul=*/false};
constexpr lex::QuoteRules kValueQuote{/*allow_newline=*/true, /*allow_nul=*/true};

size_t FindNewline(std::string_view b, size_t from) {
  if (from >= b.size()) return b.size();
  const void* p = std::memchr(b.data() + from, '\n', b.size() - from);
  return p == nullptr ? b.size() : static_cast<size_t>(static_cast<const char*>(p) - b.data());
}

}  // namespace

PromTextParser::PromTextParser(std::string_view input, const ParserOptions& options)
    : Parser(input, options) {
  // Prometheus appends a newline to every payload; we do so only when one is missing and
  // remember that an extra one would have followed (it shows in some error excerpts).
  if (input.empty() || input.back() != '\n') {
    owned_.reserve(input.size() + 1);
    owned_.assign(input);
    owned_.push_back('\n');
    buf_ = owned_;
  } else {
    virtual_nl_ = true;
  }
}

Tok PromTextParser::Lex() {
  const std::string_view b = buf_;
  if (i_ >= b.size()) return Tok::kEof;
  start_ = i_;
  const char c = b[i_];
  if (lex::Is(c, lex::kBlank) && state_ != State::kMeta2) {
    i_ = lex::ScanRun(b, i_ + 1, lex::kBlank);
    return Tok::kWhitespace;
  }
  switch (state_) {
    case State::kInit:
      if (c == '\n') {
        ++i_;
        return Tok::kLinebreak;
      }
      if (c == 0) return Tok::kEof;  // promlex.l: \0 at the start of a line ends the input
      if (lex::Is(c, lex::kMetricStart)) {
        i_ = lex::ScanRun(b, i_ + 1, lex::kMetricChar);
        state_ = State::kValue;
        return Tok::kMName;
      }
      if (c == '{') {
        ++i_;
        state_ = State::kLabels;
        return Tok::kBraceOpen;
      }
      if (c == '#') {
        size_t j = i_ + 1;
        if (j < b.size() && lex::Is(b[j], lex::kBlank)) {
          j = lex::ScanRun(b, j, lex::kBlank);
          const std::string_view rest = b.substr(j);
          const bool help = rest.starts_with("HELP");
          if ((help || rest.starts_with("TYPE")) && rest.size() > 4 &&
              lex::Is(rest[4], lex::kBlank)) {
            i_ = lex::ScanRun(b, j + 5, lex::kBlank);
            state_ = State::kMeta1;
            return help ? Tok::kHelp : Tok::kType;
          }
        }
        // Any other '#' line is a comment running to the end of the line.
        i_ = FindNewline(b, i_ + 1);
        return Tok::kComment;
      }
      return Tok::kInvalid;
    case State::kMeta1:
      if (lex::Is(c, lex::kMetricStart)) {
        i_ = lex::ScanRun(b, i_ + 1, lex::kMetricChar);
        quote_escaped_ = false;
        state_ = State::kMeta2;
        return Tok::kMName;
      }
      if (c == '"') {
        const lex::QuoteScan q = lex::ScanQuoted(b, i_, kNameQuote);
        i_ = q.end;
        if (!q.ok) return Tok::kInvalid;
        quote_escaped_ = q.escaped;
        state_ = State::kMeta2;
        return Tok::kMName;
      }
      return Tok::kInvalid;
    case State::kMeta2: {
      // {C}* up to the newline; a run of only blanks is whitespace (the earlier rule wins ties).
      const size_t nl = FindNewline(b, i_);
      if (i_ < nl && lex::ScanRun(b, i_, lex::kBlank) == nl) {
        i_ = nl;
        return Tok::kWhitespace;
      }
      i_ = nl;
      state_ = State::kInit;
      return Tok::kText;
    }
    case State::kLabels:
      if (lex::Is(c, lex::kLabelStart)) {
        i_ = lex::ScanRun(b, i_ + 1, lex::kLabelChar);
        return Tok::kLName;
      }
      switch (c) {
        case '"': {
          const lex::QuoteScan q = lex::ScanQuoted(b, i_, kNameQuote);
          i_ = q.end;
          if (!q.ok) return Tok::kInvalid;
          quote_escaped_ = q.escaped;
          return Tok::kQString;
        }
        case '}':
          ++i_;
          state_ = State::kValue;
          return Tok::kBraceClose;
        case '=':
          ++i_;
          state_ = State::kLValue;
          return Tok::kEqual;
        case ',':
          ++i_;
          return Tok::kComma;
        default:
          return Tok::kInvalid;
      }
    case State::kLValue:
      if (c == '"') {
        const lex::QuoteScan q = lex::ScanQuoted(b, i_, kValueQuote);
        i_ = q.end;
        if (!q.ok) return Tok::kInvalid;
        quote_escaped_ = q.escaped;
        quote_non_ascii_ = q.non_ascii;
        state_ = State::kLabels;
        return Tok::kLValue;
      }
      return Tok::kInvalid;
    case State::kValue:
      if (c == '{') {
        ++i_;
        state_ = State::kLabels;
        return Tok::kBraceOpen;
      }
      if (lex::Is(c, lex::kPromValue)) {
        i_ = lex::ScanRun(b, i_ + 1, lex::kPromValue);
        state_ = State::kTimestamp;
        return Tok::kValue;
      }
      return Tok::kInvalid;
    case State::kTimestamp:
      if (lex::Is(c, lex::kDigit)) {
        i_ = lex::ScanRun(b, i_ + 1, lex::kDigit);
        return Tok::kTimestamp;
      }
      if (c == '\n') {
        ++i_;
        state_ = State::kInit;
        return Tok::kLinebreak;
      }
      return Tok::kInvalid;
  }
  return Tok::kInvalid;
}

Tok PromTextParser::NextToken() {
  for (;;) {
    const Tok t = Lex();
    if (t != Tok::kWhitespace) return t;
  }
}

std::string PromTextParser::Excerpt(size_t begin, size_t end) const {
  std::string s(buf_.substr(begin, end - begin));
  return s;
}

Status PromTextParser::TokenError(std::string_view expected, Tok got) const {
  const size_t e = std::min(buf_.size(), i_ + 1);
  std::string tok = Excerpt(start_, e);
  std::string line = Excerpt(line_start_, e);
  if (virtual_nl_ && i_ >= buf_.size()) {
    tok.push_back('\n');
    line.push_back('\n');
  }
  return ErrorAt(start_, std::string(expected) + ", got " + GoQuote(tok) + " (" +
                             GoQuote(lex::TokName(got)) + ") while parsing: " + GoQuote(line));
}

Status PromTextParser::ParseNext(EntryKind* kind) {
  for (;;) {
    line_start_ = i_;
    entry_start_ = i_;
    labels_.clear();
    quoted_names_ = false;
    has_exemplar_ = false;
    has_ts_ = false;
    name_set_ = false;
    series_ = {};
    text_ = {};
    const Tok t = NextToken();
    switch (t) {
      case Tok::kEof:
        *kind = EntryKind::kEof;
        return Status::OK();
      case Tok::kLinebreak:
        continue;  // blank line
      case Tok::kHelp:
      case Tok::kType: {
        const char* what = lex::TokName(t);
        Tok t2 = NextToken();
        if (t2 != Tok::kMName)
          return TokenError(std::string("expected metric name after ") + what, t2);
        Span name{start_, i_};
        bool escaped = false;
        if (buf_[start_] == '"' && i_ - start_ >= 2 && buf_[i_ - 1] == '"') {
          ++name.begin;
          --name.end;
          escaped = quote_escaped_;
        }
        t2 = NextToken();
        if (t2 != Tok::kText) {
          return ErrorAt(start_,
                         std::string("expected text in ") + what + ", got " + lex::TokName(t2));
        }
        const Span text = i_ - start_ > 1 ? Span{start_ + 1, i_} : Span{i_, i_};
        MetricType type = MetricType::kUnknown;
        if (t == Tok::kType) {
          const std::string_view s = In(text);
          if (s == "counter") {
            type = MetricType::kCounter;
          } else if (s == "gauge") {
            type = MetricType::kGauge;
          } else if (s == "histogram") {
            type = MetricType::kHistogram;
          } else if (s == "summary") {
            type = MetricType::kSummary;
          } else if (s == "untyped") {
            type = MetricType::kUnknown;
          } else {
            return ErrorAt(start_, "invalid metric type " + GoQuote(s));
          }
        } else if (!ValidUtf8(In(text))) {
          return ErrorAt(start_, "help text " + GoQuote(In(text)) + " is not a valid utf8 string");
        }
        const Tok t3 = NextToken();
        if (t3 != Tok::kLinebreak) return TokenError("linebreak expected after metadata", t3);
        SetName(name, escaped);
        if (t == Tok::kType) {
          text_ = In(text);
          NoteMetadata(EntryKind::kType, type);
          *kind = EntryKind::kType;
        } else {
          SetText(text, /*lval_escapes=*/false, /*help_escapes=*/true);
          NoteMetadata(EntryKind::kHelp, MetricType::kUnknown);
          *kind = EntryKind::kHelp;
        }
        return Status::OK();
      }
      case Tok::kComment: {
        const Span text{start_, i_};
        const Tok t2 = NextToken();
        if (t2 != Tok::kLinebreak) return TokenError("linebreak expected after comment", t2);
        text_ = In(text);
        name_ = {};
        family_ = {};
        type_ = MetricType::kUnknown;
        *kind = EntryKind::kComment;
        return Status::OK();
      }
      case Tok::kBraceOpen: {
        const size_t series_begin = start_;
        LOUPE_RETURN_IF_ERROR(ParseLabels());
        series_ = buf_.substr(series_begin, i_ - series_begin);
        LOUPE_RETURN_IF_ERROR(ParseSuffix(NextToken()));
        *kind = EntryKind::kSeries;
        return Status::OK();
      }
      case Tok::kMName: {
        const size_t series_begin = start_;
        name_span_ = {start_, i_};
        name_escaped_ = false;
        name_set_ = true;
        series_ = buf_.substr(series_begin, i_ - series_begin);
        Tok t2 = NextToken();
        if (t2 == Tok::kBraceOpen) {
          LOUPE_RETURN_IF_ERROR(ParseLabels());
          series_ = buf_.substr(series_begin, i_ - series_begin);
          t2 = NextToken();
        }
        LOUPE_RETURN_IF_ERROR(ParseSuffix(t2));
        *kind = EntryKind::kSeries;
        return Status::OK();
      }
      default:
        return TokenError("expected a valid start token", t);
    }
  }
}

Status PromTextParser::ParseLabels() {
  Tok t = NextToken();
  for (;;) {
    const size_t tok_begin = start_;
    const size_t tok_end = i_;
    bool quoted = false;
    switch (t) {
      case Tok::kBraceClose:
        return Status::OK();
      case Tok::kLName:
        break;
      case Tok::kQString:
        quoted = true;
        break;
      default:
        return TokenError("expected label name", t);
    }
    const bool escaped = quoted && quote_escaped_;
    t = NextToken();
    // A quoted string followed by a comma or the closing brace is the metric name.
    if (quoted && (t == Tok::kComma || t == Tok::kBraceClose)) {
      if (name_set_) {
        return ErrorAt(tok_begin, "metric name already set while parsing: " +
                                      GoQuote(Excerpt(line_start_, i_)));
      }
      name_span_ = {tok_begin + 1, tok_end - 1};
      name_escaped_ = escaped;
      name_set_ = true;
      quoted_names_ = true;
      if (t == Tok::kBraceClose) return Status::OK();
      t = NextToken();
      continue;
    }
    LabelSpan label;
    label.name = quoted ? Span{tok_begin + 1, tok_end - 1} : Span{tok_begin, tok_end};
    label.name_escaped = escaped;
    quoted_names_ |= quoted;
    if (t != Tok::kEqual) return TokenError("expected equal", t);
    t = NextToken();
    if (t != Tok::kLValue) return TokenError("expected label value", t);
    if (quote_non_ascii_ && !ValidUtf8(buf_.substr(start_, i_ - start_))) {
      return ErrorAt(start_, "invalid UTF-8 label value: " + GoQuote(Excerpt(start_, i_)));
    }
    label.value = {start_ + 1, i_ - 1};
    label.value_escaped = quote_escaped_;
    labels_.push_back(label);
    // Prometheus lets the next label follow without a comma; a trailing comma is fine.
    t = NextToken();
    if (t == Tok::kComma) t = NextToken();
  }
}

Status PromTextParser::ParseSuffix(Tok t) {
  if (!name_set_) {
    return ErrorAt(line_start_,
                   "metric name not set while parsing: " + GoQuote(Excerpt(line_start_, i_)));
  }
  if (t != Tok::kValue) return TokenError("expected value after metric", t);
  const std::string_view v = buf_.substr(start_, i_ - start_);
  const FloatParse fp = ParsePromFloat(v, &value_);
  if (fp != FloatParse::kOk) {
    return ErrorAt(start_,
                   FloatErrorText(fp, v) + " while parsing: " + GoQuote(Excerpt(line_start_, i_)));
  }
  has_ts_ = false;
  const Tok t2 = NextToken();
  if (t2 == Tok::kTimestamp) {
    const std::string_view ts = buf_.substr(start_, i_ - start_);
    bool range = false;
    if (!ParseGoInt64(ts, &ts_, &range)) {
      return ErrorAt(start_, "strconv.ParseInt: parsing " + GoQuote(ts) +
                                 (range ? ": value out of range" : ": invalid syntax") +
                                 " while parsing: " + GoQuote(Excerpt(line_start_, i_)));
    }
    has_ts_ = true;
    const Tok t3 = NextToken();
    if (t3 != Tok::kLinebreak) return TokenError("expected next entry after timestamp", t3);
  } else if (t2 != Tok::kLinebreak) {
    return TokenError("expected timestamp or new record", t2);
  }
  SetName(name_span_, name_escaped_);
  LOUPE_RETURN_IF_ERROR(ValidateSeries(entry_start_));
  ResolveSeriesFamily();
  text_ = {};
  return Status::OK();
}

}  // namespace loupe::ingest::prom

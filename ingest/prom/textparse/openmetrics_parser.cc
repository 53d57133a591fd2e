// The lexer below reproduces the token boundaries of Prometheus's openmetricslex.l state
// machine (including where it stops on a byte it cannot accept), because Prometheus's error
// messages quote the offending token and the line up to one byte past it.
#include "ingest/prom/textparse/openmetrics_parser.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ingest/prom/textparse/go_text.h"

namespace loupe::ingest::prom {

using lex::Tok;

namespace {

// openmetricslex.l: quoted names may span lines, label values may not; NUL bytes are swallowed
// only inside series label values.
constexpr lex::QuoteRules kNameQuote{/*allow_newline=*/true, /*allow_nul=*/false};
constexpr lex::QuoteRules kValueQuote{/*allow_newline=*/false, /*allow_nul=*/true};
constexpr lex::QuoteRules kExemplarQuote{/*allow_newline=*/false, /*allow_nul=*/false};

// Go's int64(f) on amd64: truncation toward zero; NaN and out-of-range give math.MinInt64.
int64_t GoFloatToInt64(double f) {
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(f);
}

}  // namespace

OpenMetricsParser::OpenMetricsParser(std::string_view input, const ParserOptions& options)
    : Parser(input, options) {}

OpenMetricsParser::~OpenMetricsParser() = default;

Tok OpenMetricsParser::LexSpaced(State next, Tok tok) {
  // At a ' ': one space, then one or more bytes other than space, newline and NUL.
  const size_t end = lex::ScanRun(buf_, i_ + 1, lex::kOmValue);
  if (end == i_ + 1) {
    i_ = i_ + 1;
    return Tok::kInvalid;
  }
  i_ = end;
  state_ = next;
  return tok;
}

Tok OpenMetricsParser::Lex() {
  const std::string_view b = buf_;
  if (i_ >= b.size()) return Tok::kEof;
  start_ = i_;
  const char c = b[i_];
  switch (state_) {
    case State::kInit:
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
        if (i_ + 1 >= b.size() || b[i_ + 1] != ' ') {
          i_ = std::min(i_ + 1, b.size());
          return Tok::kInvalid;
        }
        const size_t j = i_ + 2;
        const std::string_view rest = b.substr(j);
        if (rest.starts_with("HELP ")) {
          i_ = j + 5;
          state_ = State::kMeta1;
          return Tok::kHelp;
        }
        if (rest.starts_with("TYPE ")) {
          i_ = j + 5;
          state_ = State::kMeta1;
          return Tok::kType;
        }
        if (rest.starts_with("UNIT ")) {
          i_ = j + 5;
          state_ = State::kMeta1;
          return Tok::kUnit;
        }
        if (rest.starts_with("EOF")) {
          i_ = j + 3;
          if (i_ < b.size() && b[i_] == '\n') ++i_;
          return Tok::kEofWord;
        }
        // Stuck after the longest prefix of any keyword.
        size_t best = 0;
        for (std::string_view kw : {"HELP ", "TYPE ", "UNIT ", "EOF"}) {
          size_t n = 0;
          while (n < rest.size() && n < kw.size() && rest[n] == kw[n]) ++n;
          best = std::max(best, n);
        }
        i_ = j + best;
        return Tok::kInvalid;
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
      // {S}{C}*\n: a space, the text, and the newline, all one token.
      if (c != ' ') return Tok::kInvalid;
      const void* nl = std::memchr(b.data() + i_ + 1, '\n', b.size() - i_ - 1);
      if (nl == nullptr) {
        i_ = b.size();
        return Tok::kInvalid;
      }
      i_ = static_cast<size_t>(static_cast<const char*>(nl) - b.data()) + 1;
      state_ = State::kInit;
      return Tok::kText;
    }
    case State::kLabels:
    case State::kExemplar: {
      const bool ex = state_ == State::kExemplar;
      if (lex::Is(c, lex::kLabelStart)) {
        i_ = lex::ScanRun(b, i_ + 1, lex::kLabelChar);
        return Tok::kLName;
      }
      switch (c) {
        case '"': {
          const lex::QuoteScan q = lex::ScanQuoted(b, i_, ex ? kExemplarQuote : kNameQuote);
          i_ = q.end;
          if (!q.ok) return Tok::kInvalid;
          quote_escaped_ = q.escaped;
          return Tok::kQString;
        }
        case '}':
          ++i_;
          state_ = ex ? State::kEValue : State::kValue;
          return Tok::kBraceClose;
        case '=':
          ++i_;
          state_ = ex ? State::kEValue : State::kLValue;
          return Tok::kEqual;
        case ',':
          ++i_;
          return Tok::kComma;
        default:
          return Tok::kInvalid;
      }
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
      if (c == ' ') return LexSpaced(State::kTimestamp, Tok::kValue);
      return Tok::kInvalid;
    case State::kTimestamp:
      if (c == '\n') {
        ++i_;
        state_ = State::kInit;
        return Tok::kLinebreak;
      }
      if (c == ' ') {
        if (b.substr(i_, 4) == " # {") {
          i_ += 4;
          state_ = State::kExemplar;
          return Tok::kComment;
        }
        return LexSpaced(State::kTimestamp, Tok::kTimestamp);
      }
      return Tok::kInvalid;
    case State::kEValue:
      if (c == '"') {
        const lex::QuoteScan q = lex::ScanQuoted(b, i_, kExemplarQuote);
        i_ = q.end;
        if (!q.ok) return Tok::kInvalid;
        quote_escaped_ = q.escaped;
        quote_non_ascii_ = q.non_ascii;
        state_ = State::kExemplar;
        return Tok::kLValue;
      }
      if (c == ' ') return LexSpaced(State::kETimestamp, Tok::kValue);
      return Tok::kInvalid;
    case State::kETimestamp:
      if (c == '\n') {
        ++i_;
        state_ = State::kInit;
        return Tok::kLinebreak;
      }
      if (c == ' ') return LexSpaced(State::kETimestamp, Tok::kTimestamp);
      return Tok::kInvalid;
  }
  return Tok::kInvalid;
}

std::string OpenMetricsParser::Excerpt(size_t begin, size_t end) const {
  return std::string(buf_.substr(begin, end - begin));
}

Status OpenMetricsParser::TokenError(std::string_view expected, Tok got) const {
  const size_t e = std::min(buf_.size(), i_ + 1);
  return ErrorAt(start_, std::string(expected) + ", got " + GoQuote(Excerpt(start_, e)) + " (" +
                             GoQuote(lex::TokName(got)) +
                             ") while parsing: " + GoQuote(Excerpt(line_start_, e)));
}

Status OpenMetricsParser::ParseNext(EntryKind* kind) {
  for (;;) {
    LOUPE_RETURN_IF_ERROR(ParseOne(kind));
    if (*kind == EntryKind::kSeries && options_.skip_created_series && !peeking_ &&
        IsCreatedSeries()) {
      continue;
    }
    return Status::OK();
  }
}

Status OpenMetricsParser::ParseOne(EntryKind* kind) {
  line_start_ = i_;
  entry_start_ = i_;
  labels_.clear();
  exemplar_labels_.clear();
  quoted_names_ = false;
  has_exemplar_ = false;
  has_ts_ = false;
  name_set_ = false;
  series_ = {};
  text_ = {};
  const Tok t = Lex();
  switch (t) {
    case Tok::kEofWord:
      if (Lex() != Tok::kEof) return ErrorAt(start_, "unexpected data after # EOF");
      *kind = EntryKind::kEof;
      return Status::OK();
    case Tok::kEof:
      return ErrorAt(i_, "data does not end with # EOF");
    case Tok::kHelp:
    case Tok::kType:
    case Tok::kUnit: {
      const char* what = lex::TokName(t);
      Tok t2 = Lex();
      if (t2 != Tok::kMName)
        return TokenError(std::string("expected metric name after ") + what, t2);
      Span name{start_, i_};
      bool escaped = false;
      if (buf_[start_] == '"' && i_ - start_ >= 2 && buf_[i_ - 1] == '"') {
        ++name.begin;
        --name.end;
        escaped = quote_escaped_;
      }
      t2 = Lex();
      if (t2 != Tok::kText) return ErrorAt(start_, std::string("expected text in ") + what);
      // The token is " <text>\n".
      const Span text = i_ - start_ > 1 ? Span{start_ + 1, i_ - 1} : Span{i_, i_};
      const std::string_view s = In(text);
      MetricType type = MetricType::kUnknown;
      if (t == Tok::kType) {
        if (s == "counter") {
          type = MetricType::kCounter;
        } else if (s == "gauge") {
          type = MetricType::kGauge;
        } else if (s == "histogram") {
          type = MetricType::kHistogram;
        } else if (s == "gaugehistogram") {
          type = MetricType::kGaugeHistogram;
        } else if (s == "summary") {
          type = MetricType::kSummary;
        } else if (s == "info") {
          type = MetricType::kInfo;
        } else if (s == "stateset") {
          type = MetricType::kStateSet;
        } else if (s == "unknown") {
          type = MetricType::kUnknown;
        } else {
          return ErrorAt(start_, "invalid metric type " + GoQuote(s));
        }
      } else if (t == Tok::kHelp) {
        if (!ValidUtf8(s)) {
          return ErrorAt(start_, "help text " + GoQuote(s) + " is not a valid utf8 string");
        }
      } else if (!s.empty()) {
        // OpenMetrics: a metric with a unit must have "_<unit>" as the suffix of its name.
        const std::string_view m = In(name);
        if (!m.ends_with(s) || m.size() < s.size() + 1 || m[m.size() - s.size() - 1] != '_') {
          return ErrorAt(start_, "unit " + GoQuote(s) + " not a suffix of metric " + GoQuote(m));
        }
      }
      SetName(name, escaped);
      if (t == Tok::kHelp) {
        SetText(text, /*lval_escapes=*/true, /*help_escapes=*/false);
        NoteMetadata(EntryKind::kHelp, MetricType::kUnknown);
        *kind = EntryKind::kHelp;
      } else if (t == Tok::kType) {
        text_ = s;
        NoteMetadata(EntryKind::kType, type);
        *kind = EntryKind::kType;
      } else {
        text_ = s;
        NoteMetadata(EntryKind::kUnit, MetricType::kUnknown);
        *kind = EntryKind::kUnit;
      }
      return Status::OK();
    }
    case Tok::kBraceOpen: {
      const size_t series_begin = start_;
      LOUPE_RETURN_IF_ERROR(ParseLabels(/*exemplar=*/false));
      series_ = buf_.substr(series_begin, i_ - series_begin);
      LOUPE_RETURN_IF_ERROR(ParseSeriesEnd(Lex()));
      *kind = EntryKind::kSeries;
      return Status::OK();
    }
    case Tok::kMName: {
      const size_t series_begin = start_;
      name_span_ = {start_, i_};
      name_escaped_ = false;
      name_set_ = true;
      series_ = buf_.substr(series_begin, i_ - series_begin);
      Tok t2 = Lex();
      if (t2 == Tok::kBraceOpen) {
        LOUPE_RETURN_IF_ERROR(ParseLabels(/*exemplar=*/false));
        series_ = buf_.substr(series_begin, i_ - series_begin);
        t2 = Lex();
      }
      LOUPE_RETURN_IF_ERROR(ParseSeriesEnd(t2));
      *kind = EntryKind::kSeries;
      return Status::OK();
    }
    default:
      return TokenError("expected a valid start token", t);
  }
}

Status OpenMetricsParser::ParseLabels(bool exemplar) {
  std::vector<LabelSpan>& out = exemplar ? exemplar_labels_ : labels_;
  Tok t = Lex();
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
    t = Lex();
    if (t == Tok::kComma || t == Tok::kBraceClose) {
      // A quoted string on its own is the metric name; exemplars have none.
      if (exemplar) return TokenError("expected label name", t);
      if (!quoted) return TokenError("expected equal", t);
      if (name_set_) {
        return ErrorAt(tok_begin, "metric name already set while parsing: " +
                                      GoQuote(Excerpt(line_start_, i_)));
      }
      name_span_ = {tok_begin + 1, tok_end - 1};
      name_escaped_ = escaped;
      name_set_ = true;
      quoted_names_ = true;
      if (t == Tok::kBraceClose) return Status::OK();
      t = Lex();
      continue;
    }
    LabelSpan label;
    label.name = quoted ? Span{tok_begin + 1, tok_end - 1} : Span{tok_begin, tok_end};
    label.name_escaped = escaped;
    if (!exemplar) quoted_names_ |= quoted;
    if (t != Tok::kEqual) return TokenError("expected equal", t);
    t = Lex();
    if (t != Tok::kLValue) return TokenError("expected label value", t);
    if (quote_non_ascii_ && !ValidUtf8(buf_.substr(start_, i_ - start_))) {
      return ErrorAt(start_, "invalid UTF-8 label value: " + GoQuote(Excerpt(start_, i_)));
    }
    label.value = {start_ + 1, i_ - 1};
    label.value_escaped = quote_escaped_;
    out.push_back(label);
    t = Lex();
    if (t == Tok::kComma) {
      t = Lex();
    } else if (t != Tok::kBraceClose) {
      return TokenError("expected comma or brace close", t);
    }
  }
}

Status OpenMetricsParser::ParseValue(Tok t, const char* after, double* out) {
  if (t != Tok::kValue) return TokenError(std::string("expected value after ") + after, t);
  const std::string_view v = buf_.substr(start_ + 1, i_ - start_ - 1);
  const FloatParse fp = ParsePromFloat(v, out);
  if (fp != FloatParse::kOk) {
    return ErrorAt(start_,
                   FloatErrorText(fp, v) + " while parsing: " + GoQuote(Excerpt(line_start_, i_)));
  }
  return Status::OK();
}

Status OpenMetricsParser::ParseTimestamp(const char* what, int64_t* out) {
  const std::string_view v = buf_.substr(start_ + 1, i_ - start_ - 1);
  double seconds = 0;
  const FloatParse fp = ParsePromFloat(v, &seconds);
  if (fp != FloatParse::kOk) {
    return ErrorAt(start_,
                   FloatErrorText(fp, v) + " while parsing: " + GoQuote(Excerpt(line_start_, i_)));
  }
  if (std::isnan(seconds) || std::isinf(seconds)) {
    return ErrorAt(start_, std::string("invalid ") + what + " " + GoFormatFixed6(seconds));
  }
  // All OpenMetrics timestamps are seconds; a double holds enough for millisecond resolution.
  *out = GoFloatToInt64(seconds * 1000);
  return Status::OK();
}

Status OpenMetricsParser::ParseSeriesEnd(Tok t) {
  if (!name_set_) {
    return ErrorAt(line_start_,
                   "metric name not set while parsing: " + GoQuote(Excerpt(line_start_, i_)));
  }
  LOUPE_RETURN_IF_ERROR(ParseValue(t, "metric", &value_));
  has_ts_ = false;
  const Tok t2 = Lex();
  switch (t2) {
    case Tok::kEof:
      return ErrorAt(i_, "data does not end with # EOF");
    case Tok::kLinebreak:
      break;
    case Tok::kComment:
      LOUPE_RETURN_IF_ERROR(ParseExemplar());
      break;
    case Tok::kTimestamp: {
      LOUPE_RETURN_IF_ERROR(ParseTimestamp("timestamp", &ts_));
      has_ts_ = true;
      const Tok t3 = Lex();
      if (t3 == Tok::kComment) {
        LOUPE_RETURN_IF_ERROR(ParseExemplar());
      } else if (t3 != Tok::kLinebreak) {
        return TokenError("expected next entry after timestamp", t3);
      }
      break;
    }
    default:
      return TokenError("expected timestamp or comment", t2);
  }
  SetName(name_span_, name_escaped_);
  LOUPE_RETURN_IF_ERROR(ValidateSeries(entry_start_));
  ResolveSeriesFamily();
  text_ = {};
  return Status::OK();
}

Status OpenMetricsParser::ParseExemplar() {
  LOUPE_RETURN_IF_ERROR(ParseLabels(/*exemplar=*/true));
  LOUPE_RETURN_IF_ERROR(ParseValue(Lex(), "exemplar labels", &exemplar_value_));
  exemplar_has_ts_ = false;
  const Tok t = Lex();
  switch (t) {
    case Tok::kEof:
      return ErrorAt(i_, "data does not end with # EOF");
    case Tok::kLinebreak:
      break;
    case Tok::kTimestamp: {
      LOUPE_RETURN_IF_ERROR(ParseTimestamp("exemplar timestamp", &exemplar_ts_));
      exemplar_has_ts_ = true;
      const Tok t2 = Lex();
      if (t2 != Tok::kLinebreak) {
        return TokenError("expected next entry after exemplar timestamp", t2);
      }
      break;
    }
    default:
      return TokenError("expected timestamp or comment", t);
  }
  has_exemplar_ = true;
  return Status::OK();
}

void OpenMetricsParser::CreatedKey(std::string_view family, std::string* key) const {
  key->clear();
  for (const LabelSpan& l : labels_) {
    const std::string_view name = In(l.name);
    if (last_type_ == MetricType::kSummary && name == "quantile") continue;
    if (last_type_ == MetricType::kHistogram && name == "le") continue;
    // Length-prefixed so that different splits of the same bytes differ.
    key->append(std::to_string(name.size())).push_back(':');
    key->append(name);
    const std::string_view value = In(l.value);
    key->append(std::to_string(value.size())).push_back(':');
    key->append(value);
  }
  key->push_back('|');
  key->append(family);
}

std::optional<int64_t> OpenMetricsParser::CreatedTimestampMs() {
  if (kind_ != EntryKind::kSeries) return std::nullopt;
  switch (last_type_) {
    case MetricType::kCounter:
    case MetricType::kSummary:
    case MetricType::kHistogram:
      break;
    default:
      return std::nullopt;
  }
  // Prometheus takes the family as the first len(<last HELP/TYPE/UNIT name>) bytes of the name.
  CreatedKey(name_.substr(0, std::min(name_.size(), meta_family_.size())), &ct_key_);
  if (ct_cached_ && ct_key_ == ct_cached_key_) return ct_cached_value_;

  if (peeker_ == nullptr) peeker_ = std::make_unique<OpenMetricsParser>(buf_, options_);
  OpenMetricsParser& p = *peeker_;
  p.i_ = i_;
  p.state_ = State::kInit;
  p.peeking_ = true;
  p.last_type_ = last_type_;
  p.meta_family_ = meta_family_;
  p.meta_type_ = meta_type_;
  p.have_meta_ = have_meta_;
  std::optional<int64_t> ct;
  for (;;) {
    EntryKind k = EntryKind::kEof;
    if (!p.ParseOne(&k).ok() || k != EntryKind::kSeries) break;  // another family: none
    const std::string_view peeked = p.name_;
    if (peeked.size() < 8 || !peeked.ends_with("_created")) continue;
    p.CreatedKey(peeked.substr(0, peeked.size() - 8), &ct_peek_key_);
    if (ct_peek_key_ == ct_key_) ct = GoFloatToInt64(p.value_ * 1000.0);
    break;  // the first _created series decides
  }
  ct_cached_ = true;
  ct_cached_key_ = ct_key_;
  ct_cached_value_ = ct;
  return ct;
}

}  // namespace loupe::ingest::prom

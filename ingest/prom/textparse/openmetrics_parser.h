// OpenMetrics 1.0 text, as Prometheus 3 parses it (OpenMetricsParser):
//
//   # HELP <name> <text>        text escapes: \\ \" \n
//   # TYPE <name> counter|gauge|histogram|gaugehistogram|summary|info|stateset|unknown
//   # UNIT <name> <unit>        the unit must be a "_<unit>" suffix of the name (or empty)
//   <name>[{<label>="<value>",...}] <value> [<timestamp s>] [ # {<labels>} <value> [<ts s>]]
//   # EOF                       required, and nothing may follow it
//
// Stricter than the Prometheus text format: exactly one space between fields, no blank lines,
// no other comments, no spaces inside braces, commas required between labels. Timestamps are
// seconds (a float) and come out as milliseconds truncated toward zero, as Prometheus's
// int64(ts * 1000). `_created` series of counters, summaries and histograms are ordinary series
// unless ParserOptions::skip_created_series; CreatedTimestampMs() finds them for a series.
//
// Deviations from Prometheus, both refusing input Prometheus mishandles: an unquoted label name
// followed by ',' or '}' is "expected equal" (Prometheus takes it as a metric name with its first
// and last byte cut off); anything but a timestamp, exemplar or newline after a sample value is
// "expected timestamp or comment" (Prometheus silently accepts the sample).
//
// See parser.h for the interface and the contract.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/prom/textparse/lex_util.h"
#include "ingest/prom/textparse/parser.h"

namespace loupe::ingest::prom {

class OpenMetricsParser final : public Parser {
 public:
  OpenMetricsParser(std::string_view input, const ParserOptions& options = {});
  ~OpenMetricsParser() override;

  std::optional<int64_t> CreatedTimestampMs() override;

 private:
  enum class State : uint8_t {
    kInit,
    kMeta1,
    kMeta2,
    kLabels,
    kLValue,
    kValue,
    kTimestamp,
    kExemplar,
    kEValue,
    kETimestamp,
  };

  Status ParseNext(EntryKind* kind) override;
  Status ParseOne(EntryKind* kind);
  lex::Tok Lex();
  lex::Tok LexSpaced(State next, lex::Tok tok);  // the {S}[^ \n]+ rule
  Status ParseLabels(bool exemplar);
  Status ParseSeriesEnd(lex::Tok t);
  Status ParseExemplar();
  Status ParseValue(lex::Tok t, const char* after, double* out);
  Status ParseTimestamp(const char* what, int64_t* out);
  Status TokenError(std::string_view expected, lex::Tok got) const;
  std::string Excerpt(size_t begin, size_t end) const;
  // The identity Prometheus hashes to match a series with its _created series: the family
  // name followed by the label names and values in order, without "le" (histograms) or
  // "quantile" (summaries).
  void CreatedKey(std::string_view family, std::string* key) const;

  size_t i_ = 0;
  size_t start_ = 0;
  size_t line_start_ = 0;
  State state_ = State::kInit;
  bool quote_escaped_ = false;
  bool quote_non_ascii_ = false;
  bool name_set_ = false;
  Span name_span_;
  bool name_escaped_ = false;

  // CreatedTimestampMs() support: a second parser that scans ahead, and the last answer.
  bool peeking_ = false;
  std::unique_ptr<OpenMetricsParser> peeker_;
  std::string ct_key_;
  std::string ct_peek_key_;
  std::string ct_cached_key_;
  bool ct_cached_ = false;
  std::optional<int64_t> ct_cached_value_;
};

}  // namespace loupe::ingest::prom

// Pull parsers for the Prometheus text exposition formats a scrape returns:
//   - the Prometheus text format 0.0.4 (PromTextParser, prom_parser.h), with the quoted UTF-8
//     metric and label names Prometheus 3 accepts ({"my.metric", "a.b"="c"});
//   - OpenMetrics 1.0 text (OpenMetricsParser, openmetrics_parser.h).
// Both accept exactly what Prometheus 3's model/textparse PromParser / OpenMetricsParser accept
// and fail with the same error text, prefixed by the line number ("line 3: expected equal, got
// \"c\\\"\" (\"LNAME\") while parsing: ...").
//
// Usage (the scrape loop):
//   auto parser = NewParser(ExpositionFormat::kPromText, body, options);
//   for (;;) {
//     LOUPE_ASSIGN_OR_RETURN(EntryKind kind, parser->Next());
//     if (kind == EntryKind::kEof) break;
//     if (kind != EntryKind::kSeries) continue;   // or record help/type/unit metadata
//     // parser->series() is the series' raw text: a cache key that needs no allocation.
//     storage::model::Labels labels = parser->labels();   // built only when asked for
//     ... parser->value(), parser->timestamp_ms(), parser->exemplar()
//   }
//
// Cost: Next() does not allocate for ordinary lines (it records offsets into the input and
// reuses its buffers); labels(), exemplar() and Fill() build owned values and do.
//
// Ownership: the parser keeps a view of `input`, which must outlive it. string_views returned
// by accessors stay valid until the next call to Next().
// Thread-safety: a parser is used by one thread at a time; distinct parsers are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/prom/textparse/content_type.h"
#include "storage/base/result.h"
#include "storage/base/status.h"
#include "storage/model/labels.h"
#include "storage/model/sample.h"

namespace loupe::ingest::prom {

using storage::model::MetricType;

enum class EntryKind : uint8_t {
  kEof,      // clean end of input (OpenMetrics: "# EOF" seen and nothing after it)
  kHelp,     // # HELP <family> <text>
  kType,     // # TYPE <family> <type>
  kUnit,     // # UNIT <family> <unit>            (OpenMetrics only)
  kComment,  // any other # line                 (Prometheus text only)
  kSeries,   // <name>{<labels>} <value> [<timestamp>] [# <exemplar>]
};

const char* EntryKindName(EntryKind k);

struct ParserOptions {
  // Scrape-config label limits; 0 means no limit. They apply to a series' label set as
  // Prometheus's scrape loop checks it: __name__ included, empty-valued labels dropped, lengths
  // in bytes after unescaping, "le"/"quantile" values after normalisation. Exceeding one fails
  // the parse with Prometheus's message, e.g. "label_limit exceeded (metric: x, number of
  // labels: 4, limit: 3)".
  size_t label_limit = 0;
  size_t label_name_length_limit = 0;
  size_t label_value_length_limit = 0;
  // OpenMetrics only: do not return the `<family>_created` series of counter, summary and
  // histogram families as series (use CreatedTimestampMs() to get their value instead).
  bool skip_created_series = false;
};

// One entry as owned values (Parser::Fill builds it).
struct Entry {
  EntryKind kind = EntryKind::kEof;
  // HELP/TYPE/UNIT: the family named. Series: the family the series belongs to (the family of
  // the last HELP/TYPE/UNIT if BelongsToFamily says so, else the metric name itself).
  // Comment: empty.
  std::string family;
  // TYPE: the declared type ("untyped" is kUnknown). Series: its family's declared type, or
  // kUnknown. Others: kUnknown.
  MetricType type = MetricType::kUnknown;
  // HELP: the help text, unescaped. TYPE: the type word as written. UNIT: the unit.
  // Comment: the whole line from '#'. Series: empty.
  std::string text;
  // Series only: the label set including __name__, sorted, without empty values; "le" of
  // histograms and "quantile" of summaries normalised as Prometheus 3 does ("1" -> "1.0").
  storage::model::Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  std::optional<storage::model::Exemplar> exemplar;
};

class Parser {
 public:
  virtual ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Advances to the next entry and returns its kind, or kEof at the clean end of the input.
  // Returns kInvalidArgument with Prometheus's error text prefixed by "line N: " when the input
  // is malformed or a label limit is exceeded. After kEof or an error, every later call returns
  // the same again.
  Result<EntryKind> Next();

  // The accessors below describe the entry Next() last returned.
  EntryKind kind() const { return kind_; }
  // HELP/TYPE/UNIT: the family name. Series: the metric name. Quotes and escapes removed.
  std::string_view name() const { return name_; }
  // Series: see Entry::family. HELP/TYPE/UNIT: same as name().
  std::string_view family() const { return family_; }
  // See Entry::type.
  MetricType type() const { return type_; }
  // See Entry::text.
  std::string_view text() const { return text_; }
  // Series: the raw bytes of the metric name and label set as written in the input (from the
  // first byte of the name or '{' to the closing '}'), suitable as a cache key.
  std::string_view series() const { return series_; }
  double value() const { return value_; }
  std::optional<int64_t> timestamp_ms() const {
    return has_ts_ ? std::optional<int64_t>(ts_) : std::nullopt;
  }
  bool has_exemplar() const { return has_exemplar_; }
  // Series: the label set (see Entry::labels). Allocates.
  storage::model::Labels labels() const;
  // Series with an exemplar: its labels (sorted, empty values dropped), value and timestamp.
  std::optional<storage::model::Exemplar> exemplar() const;
  // 1-based line number where the current entry starts.
  size_t line() const;
  // Copies the current entry into *e (reusing its buffers where it can).
  void Fill(Entry* e) const;

  // OpenMetrics: the created timestamp (ms) of the current series of a counter, summary or
  // histogram family, taken from the matching `<family>_created` series that follows it within
  // the family, as Prometheus's CreatedTimestamp() finds it. nullopt when there is none or the
  // format has none. Scans ahead with a second cursor (the answer for a label set is cached);
  // the current entry and the parse position are unchanged.
  virtual std::optional<int64_t> CreatedTimestampMs() { return std::nullopt; }

 protected:
  Parser(std::string_view input, const ParserOptions& options);

  // Parses the next entry into the state below. Returns OK with *kind set, or the error
  // (already carrying its line prefix).
  virtual Status ParseNext(EntryKind* kind) = 0;

  struct Span {
    size_t begin = 0;
    size_t end = 0;
  };
  // A label as offsets into buf_. Quoted names have their quotes stripped already.
  struct LabelSpan {
    Span name;
    Span value;
    bool name_escaped = false;
    bool value_escaped = false;
  };
  // Where Prometheus's "while parsing:" excerpt and our line number come from.
  Status ErrorAt(size_t pos, std::string message) const;
  // Checks the label set of the series just lexed (name_, labels_): names valid, no duplicate
  // names, the option limits. Returns the error (with line prefix) or OK.
  Status ValidateSeries(size_t line_pos) const;
  Status CheckLimits(size_t line_pos) const;
  Status CheckDuplicateNames(size_t line_pos) const;
  // Sets name_ from a span that may hold escapes (unescaping into scratch when it does).
  void SetName(Span s, bool escaped);
  // Sets text_ to the span with the given escapes resolved (help texts).
  void SetText(Span s, bool lval_escapes, bool help_escapes);
  // Records a HELP/TYPE/UNIT entry for family tracking; `type` only for TYPE.
  void NoteMetadata(EntryKind kind, MetricType type);
  // Fills family_ and type_ for the series named name_.
  void ResolveSeriesFamily();
  // Whether the current series is a `_created` series Prometheus would treat as such.
  bool IsCreatedSeries() const;
  std::string_view In(Span s) const { return buf_.substr(s.begin, s.end - s.begin); }

  std::string_view buf_;
  ParserOptions options_;

  // Current entry.
  EntryKind kind_ = EntryKind::kEof;
  size_t entry_start_ = 0;
  std::string_view name_;
  std::string_view family_;
  MetricType type_ = MetricType::kUnknown;
  std::string_view text_;
  std::string_view series_;
  std::vector<LabelSpan> labels_;
  bool quoted_names_ = false;  // the series used a quoted metric or label name
  double value_ = 0;
  bool has_ts_ = false;
  int64_t ts_ = 0;
  bool has_exemplar_ = false;
  std::vector<LabelSpan> exemplar_labels_;
  double exemplar_value_ = 0;
  bool exemplar_has_ts_ = false;
  int64_t exemplar_ts_ = 0;

  // Across entries.
  MetricType last_type_ = MetricType::kUnknown;  // type of the last # TYPE (Prometheus's p.mtype)
  std::string meta_family_;                      // family of the last HELP/TYPE/UNIT
  MetricType meta_type_ = MetricType::kUnknown;  // its declared type
  bool have_meta_ = false;
  std::string name_scratch_;
  std::string text_scratch_;

 private:
  Status sticky_;                // the error every later Next() returns
  bool done_ = false;            // kEof was returned
  mutable size_t line_pos_ = 0;  // line_no_ is the line number at byte line_pos_
  mutable size_t line_no_ = 1;
  size_t LineAt(size_t pos) const;
  storage::model::Labels BuildLabels(const std::vector<LabelSpan>& spans, bool with_name,
                                     bool normalise) const;
};

// Creates the parser for `format` (kPromText or kOpenMetrics; anything else yields
// kUnsupported with Prometheus-like text).
Result<std::unique_ptr<Parser>> NewParser(ExpositionFormat format, std::string_view input,
                                          const ParserOptions& options = {});

// Unescapes a label value as Prometheus does: \\ -> \, \" -> ", \n -> newline; any other
// backslash sequence is kept as written.
void UnescapeLabelValue(std::string_view raw, std::string* out);

}  // namespace loupe::ingest::prom

#include "ingest/prom/textparse/parser.h"

#include <algorithm>
#include <cstring>

#include "ingest/prom/textparse/family.h"
#include "ingest/prom/textparse/go_text.h"
#include "ingest/prom/textparse/openmetrics_parser.h"
#include "ingest/prom/textparse/prom_parser.h"

namespace loupe::ingest::prom {
namespace {

using storage::model::Label;
using storage::model::Labels;

constexpr size_t kNoLimit = 0;

// Prometheus's normalizeFloatsInLabelValues: "quantile" of summaries and "le" of histograms
// are reformatted when they parse as floats, so "1" and "1.0" name the same series.
bool NeedsNormalising(MetricType t, std::string_view label) {
  return (t == MetricType::kSummary && label == "quantile") ||
         (t == MetricType::kHistogram && label == "le");
}

void NormaliseFloat(std::string* v) {
  double f = 0;
  if (ParseGoFloat(*v, &f) == FloatParse::kOk) *v = FormatOpenMetricsFloat(f);
}

// Unescaped length of a label value (\\, \" and \n shrink to one byte).
size_t UnescapedLength(std::string_view raw) {
  size_t n = raw.size();
  for (size_t i = 0; i + 1 < raw.size(); ++i) {
    if (raw[i] == '\\' && (raw[i + 1] == '\\' || raw[i + 1] == '"' || raw[i + 1] == 'n')) {
      --n;
      ++i;
    }
  }
  return n;
}

void SortLabels(std::vector<Label>* v) {
  // Label sets are small: insertion sort beats std::sort's setup below ~16 elements.
  if (v->size() > 16) {
    std::sort(v->begin(), v->end(), [](const Label& a, const Label& b) { return a.name < b.name; });
    return;
  }
  for (size_t i = 1; i < v->size(); ++i) {
    for (size_t j = i; j > 0 && (*v)[j].name < (*v)[j - 1].name; --j) {
      std::swap((*v)[j], (*v)[j - 1]);
    }
  }
}

// Prometheus's labels.String(): {a="b", c="d"} with values quoted as Go does.
std::string LabelSetString(const std::vector<Label>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += ", ";
    s += v[i].name;
    s += '=';
    s += GoQuote(v[i].value);
  }
  s += '}';
  return s;
}

}  // namespace

const char* EntryKindName(EntryKind k) {
  switch (k) {
    case EntryKind::kEof:
      return "eof";
    case EntryKind::kHelp:
      return "help";
    case EntryKind::kType:
      return "type";
    case EntryKind::kUnit:
      return "unit";
    case EntryKind::kComment:
      return "comment";
    case EntryKind::kSeries:
      return "series";
  }
  return "eof";
}

void UnescapeLabelValue(std::string_view raw, std::string* out) {
  out->clear();
  out->reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      const char e = raw[i + 1];
      if (e == '\\' || e == '"') {
        out->push_back(e);
        ++i;
        continue;
      }
      if (e == 'n') {
        out->push_back('\n');
        ++i;
        continue;
      }
    }
    out->push_back(c);
  }
}

Parser::Parser(std::string_view input, const ParserOptions& options)
    : buf_(input), options_(options) {}

Parser::~Parser() = default;

Result<EntryKind> Parser::Next() {
  if (!sticky_.ok()) return sticky_;
  if (done_) return EntryKind::kEof;
  EntryKind k = EntryKind::kEof;
  Status s = ParseNext(&k);
  if (!s.ok()) {
    kind_ = EntryKind::kEof;
    sticky_ = s;
    return s;
  }
  kind_ = k;
  if (k == EntryKind::kEof) done_ = true;
  return k;
}

size_t Parser::LineAt(size_t pos) const {
  pos = std::min(pos, buf_.size());
  if (pos < line_pos_) {
    line_pos_ = 0;
    line_no_ = 1;
  }
  const char* p = buf_.data() + line_pos_;
  const char* end = buf_.data() + pos;
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) break;
    ++line_no_;
    p = static_cast<const char*>(nl) + 1;
  }
  line_pos_ = pos;
  return line_no_;
}

size_t Parser::line() const { return LineAt(entry_start_); }

Status Parser::ErrorAt(size_t pos, std::string message) const {
  return Status::InvalidArgument("line " + std::to_string(LineAt(pos)) + ": " + message);
}

void Parser::SetName(Span s, bool escaped) {
  if (escaped) {
    UnescapeLabelValue(In(s), &name_scratch_);
    name_ = name_scratch_;
  } else {
    name_ = In(s);
  }
}

void Parser::SetText(Span s, bool lval_escapes, bool help_escapes) {
  std::string_view raw = In(s);
  if ((!lval_escapes && !help_escapes) || raw.find('\\') == std::string_view::npos) {
    text_ = raw;
    return;
  }
  if (lval_escapes) {
    UnescapeLabelValue(raw, &text_scratch_);
  } else {
    // The Prometheus text format's HELP escaping: only \\ and \n.
    text_scratch_.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '\\' || raw[i + 1] == 'n')) {
        text_scratch_.push_back(raw[i + 1] == 'n' ? '\n' : '\\');
        ++i;
      } else {
        text_scratch_.push_back(raw[i]);
      }
    }
  }
  text_ = text_scratch_;
}

void Parser::NoteMetadata(EntryKind kind, MetricType type) {
  if (!have_meta_ || meta_family_ != name_) {
    meta_family_.assign(name_.data(), name_.size());
    meta_type_ = MetricType::kUnknown;
    have_meta_ = true;
  }
  if (kind == EntryKind::kType) {
    meta_type_ = type;
    last_type_ = type;
  }
  family_ = name_;
  type_ = kind == EntryKind::kType ? type : MetricType::kUnknown;
}

void Parser::ResolveSeriesFamily() {
  if (have_meta_ && BelongsToFamily(name_, meta_family_, meta_type_)) {
    family_ = meta_family_;
    type_ = meta_type_;
  } else {
    family_ = name_;
    type_ = MetricType::kUnknown;
  }
}

bool Parser::IsCreatedSeries() const {
  switch (last_type_) {
    case MetricType::kCounter:
    case MetricType::kSummary:
    case MetricType::kHistogram:
      return name_.size() >= 8 && name_.ends_with("_created");
    default:
      return false;
  }
}

Status Parser::ValidateSeries(size_t line_pos) const {
  if (name_.empty()) return ErrorAt(line_pos, "missing metric name (__name__ label)");
  // Unquoted names are valid by construction; quoted ones must be non-empty valid UTF-8.
  if (quoted_names_) {
    bool names_ok = ValidUtf8(name_);
    for (const LabelSpan& l : labels_) {
      if (l.name.begin == l.name.end || !ValidUtf8(In(l.name))) names_ok = false;
    }
    if (!names_ok) {
      return ErrorAt(line_pos, "invalid metric name or label names: " +
                                   LabelSetString(BuildLabels(labels_, true, true).items()));
    }
  }
  LOUPE_RETURN_IF_ERROR(CheckLimits(line_pos));
  return CheckDuplicateNames(line_pos);
}

Status Parser::CheckDuplicateNames(size_t line_pos) const {
  const size_t n = labels_.size();
  if (n == 0) return Status::OK();
  bool any_escaped = false;
  for (const LabelSpan& l : labels_) any_escaped |= l.name_escaped;
  // Fast path: exporters mostly write labels sorted; strictly increasing names without
  // __name__ among them cannot repeat.
  if (!any_escaped) {
    bool increasing = In(labels_[0].name) != storage::model::kMetricNameLabel;
    for (size_t i = 1; i < n && increasing; ++i) {
      const std::string_view name = In(labels_[i].name);
      increasing = In(labels_[i - 1].name) < name && name != storage::model::kMetricNameLabel;
    }
    if (increasing) return Status::OK();
  }
  // Index n stands for __name__.
  auto name_of = [&](size_t i, std::string* scratch) -> std::string_view {
    if (i == n) return storage::model::kMetricNameLabel;
    if (!labels_[i].name_escaped) return In(labels_[i].name);
    UnescapeLabelValue(In(labels_[i].name), scratch);
    return *scratch;
  };
  // Reported as the tsdb appender does: the smallest duplicated name.
  std::string dup;
  bool found = false;
  if (n <= 16 && !any_escaped) {
    std::string unused;
    for (size_t i = 0; i <= n; ++i) {
      std::string_view a = name_of(i, &unused);
      for (size_t j = i + 1; j <= n; ++j) {
        if (a == name_of(j, &unused) && (!found || a < dup)) {
          dup.assign(a);
          found = true;
        }
      }
    }
  } else {
    std::vector<std::string> names;
    names.reserve(n + 1);
    std::string scratch;
    for (size_t i = 0; i <= n; ++i) names.emplace_back(name_of(i, &scratch));
    std::sort(names.begin(), names.end());
    for (size_t i = 1; i < names.size() && !found; ++i) {
      if (names[i] == names[i - 1]) {
        dup = names[i];
        found = true;
      }
    }
  }
  if (!found) return Status::OK();
  return ErrorAt(line_pos, "label name \"" + dup + "\" is not unique: invalid sample");
}

Status Parser::CheckLimits(size_t line_pos) const {
  const size_t limit = options_.label_limit;
  const size_t name_limit = options_.label_name_length_limit;
  const size_t value_limit = options_.label_value_length_limit;
  if (limit == kNoLimit && name_limit == kNoLimit && value_limit == kNoLimit) return Status::OK();
  size_t count = 1;
  bool maybe_long =
      (name_limit != kNoLimit && storage::model::kMetricNameLabel.size() > name_limit) ||
      (value_limit != kNoLimit && name_.size() > value_limit);
  for (const LabelSpan& l : labels_) {
    if (l.value.begin == l.value.end) continue;
    ++count;
    if (name_limit != kNoLimit) {
      const size_t len = l.name_escaped ? UnescapedLength(In(l.name)) : l.name.end - l.name.begin;
      if (len > name_limit) maybe_long = true;
    }
    if (value_limit != kNoLimit) {
      size_t len = l.value_escaped ? UnescapedLength(In(l.value)) : l.value.end - l.value.begin;
      // Normalisation can lengthen "le"/"quantile" ("1" -> "1.0"): measure those exactly.
      if (len + 4 > value_limit && NeedsNormalising(last_type_, In(l.name))) {
        std::string v;
        UnescapeLabelValue(In(l.value), &v);
        NormaliseFloat(&v);
        len = v.size();
      }
      if (len > value_limit) maybe_long = true;
    }
  }
  const std::string metric(RunePrefix(name_, 50));
  if (limit != kNoLimit && count > limit) {
    return ErrorAt(line_pos, "label_limit exceeded (metric: " + metric + ", number of labels: " +
                                 std::to_string(count) + ", limit: " + std::to_string(limit) + ")");
  }
  if (!maybe_long) return Status::OK();
  // Slow path: report the first offending label in sorted order, as Prometheus does.
  for (const Label& l : BuildLabels(labels_, true, true)) {
    if (name_limit != kNoLimit && l.name.size() > name_limit) {
      return ErrorAt(line_pos, "label_name_length_limit exceeded (metric: " + metric +
                                   ", label name: " + std::string(RunePrefix(l.name, 50)) +
                                   ", length: " + std::to_string(l.name.size()) +
                                   ", limit: " + std::to_string(name_limit) + ")");
    }
    if (value_limit != kNoLimit && l.value.size() > value_limit) {
      return ErrorAt(line_pos, "label_value_length_limit exceeded (metric: " + metric +
                                   ", label name: " + std::string(RunePrefix(l.name, 50)) +
                                   ", value: " + GoQuotePrefix(l.value, 50) +
                                   ", length: " + std::to_string(l.value.size()) +
                                   ", limit: " + std::to_string(value_limit) + ")");
    }
  }
  return Status::OK();
}

Labels Parser::BuildLabels(const std::vector<LabelSpan>& spans, bool with_name,
                           bool normalise) const {
  std::vector<Label> v;
  v.reserve(spans.size() + (with_name ? 1 : 0));
  if (with_name && !name_.empty()) {
    v.push_back(Label{std::string(storage::model::kMetricNameLabel), std::string(name_)});
  }
  for (const LabelSpan& s : spans) {
    if (s.value.begin == s.value.end) continue;  // an empty value means "no such label"
    Label l;
    if (s.name_escaped) {
      UnescapeLabelValue(In(s.name), &l.name);
    } else {
      l.name.assign(In(s.name));
    }
    if (s.value_escaped) {
      UnescapeLabelValue(In(s.value), &l.value);
    } else {
      l.value.assign(In(s.value));
    }
    if (normalise && NeedsNormalising(last_type_, l.name)) NormaliseFloat(&l.value);
    v.push_back(std::move(l));
  }
  SortLabels(&v);
  return Labels::FromSorted(std::move(v));
}

Labels Parser::labels() const {
  if (kind_ != EntryKind::kSeries) return Labels();
  return BuildLabels(labels_, true, true);
}

std::optional<storage::model::Exemplar> Parser::exemplar() const {
  if (kind_ != EntryKind::kSeries || !has_exemplar_) return std::nullopt;
  storage::model::Exemplar e;
  e.labels = BuildLabels(exemplar_labels_, false, false);
  e.value = exemplar_value_;
  e.has_timestamp = exemplar_has_ts_;
  e.t = exemplar_has_ts_ ? exemplar_ts_ : 0;
  return e;
}

void Parser::Fill(Entry* e) const {
  e->kind = kind_;
  e->family.assign(family_.data(), family_.size());
  e->type = type_;
  e->text.assign(text_.data(), text_.size());
  if (kind_ == EntryKind::kSeries) {
    e->labels = labels();
    e->value = value_;
    e->timestamp_ms = timestamp_ms();
    e->exemplar = exemplar();
  } else {
    e->labels = Labels();
    e->value = 0;
    e->timestamp_ms.reset();
    e->exemplar.reset();
  }
}

Result<std::unique_ptr<Parser>> NewParser(ExpositionFormat format, std::string_view input,
                                          const ParserOptions& options) {
  switch (format) {
    case ExpositionFormat::kPromText:
      return std::unique_ptr<Parser>(new PromTextParser(input, options));
    case ExpositionFormat::kOpenMetrics:
      return std::unique_ptr<Parser>(new OpenMetricsParser(input, options));
    case ExpositionFormat::kProtobuf:
      return Status::Unsupported(
          "the protobuf exposition format (application/vnd.google.protobuf) is not supported");
    case ExpositionFormat::kNone:
      break;
  }
  return Status::Unsupported("no exposition format to parse with");
}

}  // namespace loupe::ingest::prom

// LabelsBuilder: the label set one log line carries through a LogQL pipeline, as Loki's
// log.LabelsBuilder keeps it.
//
// A line starts with its stream's labels (the base, never modified) and gains labels in three
// categories: structured metadata, parsed (parsers, label_format) and — rarely — replaced stream
// labels. Precedence is parsed > structured metadata > stream: setting a parsed label hides a
// metadata or stream label of the same name. Deleting a label hides it in every category.
// `__error__` and `__error_details__` are kept apart (SetErr/SetErrDetails) and appear last
// among the parsed labels.
//
// Name clashes: Add() (used for structured metadata) and every parser give an extracted label
// that clashes with a *stream* label the `_extracted` suffix (`level` -> `level_extracted`),
// and a name extracted once in a line is not overwritten by a later parser (Loki 3: the first
// parser wins).
//
// Nothing is allocated per line in the steady state: slots keep their string capacity across
// Reset().
//
// Thread-safety: one builder per thread (pipelines create one per stream).
#pragma once

#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/model/labels.h"

namespace loupe::query::logql {

using storage::model::Label;

inline constexpr std::string_view kErrorLabel = "__error__";
inline constexpr std::string_view kErrorDetailsLabel = "__error_details__";
inline constexpr std::string_view kPreserveErrorLabel = "__preserve_error__";
inline constexpr std::string_view kExtractedSuffix = "_extracted";

// The __error__ values Loki's pipeline stages set.
inline constexpr std::string_view kErrJson = "JSONParserErr";
inline constexpr std::string_view kErrLogfmt = "LogfmtParserErr";
inline constexpr std::string_view kErrSampleExtraction = "SampleExtractionErr";
inline constexpr std::string_view kErrLabelFilter = "LabelFilterErr";
inline constexpr std::string_view kErrTemplateFormat = "TemplateFormatErr";

enum class LabelCategory : uint8_t { kStream = 0, kMetadata = 1, kParsed = 2 };

class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  // `base` (sorted by name, unique) must outlive the builder's use with it.
  explicit LabelsBuilder(const std::vector<Label>* base) : base_(base) {}
  void SetBase(const std::vector<Label>* base) { base_ = base; }
  const std::vector<Label>& base() const { return *base_; }

  // Forgets everything but the base (call before each line).
  void Reset();

  bool BaseHas(std::string_view name) const;
  // The current value of `name` (parsed, then metadata, then stream); nullopt when absent or
  // deleted. `__error__` / `__error_details__` are not labels here (see err()).
  std::optional<std::string_view> Get(std::string_view name) const;
  std::optional<std::string_view> GetWithCategory(std::string_view name,
                                                  LabelCategory* category) const;

  // Loki's Set: parsed hides metadata and stream; metadata hides stream unless a parsed label
  // exists (then a no-op); stream is a no-op when metadata or parsed has the name.
  void Set(LabelCategory category, std::string_view name, std::string_view value);
  // Loki's Add: the `_extracted` suffix when a stream label has the name; `__error__` and
  // `__error_details__` set the error fields instead.
  void Add(LabelCategory category, std::string_view name, std::string_view value);
  void Del(std::string_view name);

  // Parsers: true if a parsed label `name` was already extracted in this line (among the
  // first `n` extractions when given: a parser passes the count it saw when it started, so
  // that a later duplicate key of its own still overwrites, as in Loki).
  bool Extracted(std::string_view name, size_t n = SIZE_MAX) const;
  size_t ExtractedCount() const { return extracted_n_; }

  void SetErr(std::string_view err) { err_.assign(err); }
  void SetErrDetails(std::string_view details) { err_details_.assign(details); }
  void ResetErr() { err_.clear(); }
  void ResetErrDetails() { err_details_.clear(); }
  bool HasErr() const { return !err_.empty(); }
  const std::string& err() const { return err_; }
  const std::string& err_details() const { return err_details_; }

  // True when nothing was added, deleted or set as an error since Reset().
  bool Unchanged() const;

  // Every label (stream, metadata, parsed, then the error labels), sorted by name. Empty values
  // are kept (Loki shows `uid=""` for a missing json expression).
  void AllLabels(std::vector<Label>* out) const;
  // The same split by category (each sorted); the error labels count as parsed.
  void Categorized(std::vector<Label>* stream, std::vector<Label>* metadata,
                   std::vector<Label>* parsed) const;
  // Loki's GroupedLabels for sample extraction: with an error, all labels; otherwise only the
  // `by` labels (`without` = false) or all but the `without` labels. `groups` must be sorted.
  void GroupedLabels(const std::vector<std::string>& groups, bool without, bool no_grouping,
                     std::vector<Label>* out) const;

  // Calls fn(name, value) for every visible label, errors last, in no particular order.
  template <typename Fn>
  void ForEach(Fn&& fn) const;

 private:
  struct Slot {
    std::string name;
    std::string value;
  };
  struct SlotList {
    std::vector<Slot> slots;
    size_t n = 0;
    int Find(std::string_view name) const;
    void Remove(size_t i);
    void Put(std::string_view name, std::string_view value);
  };
  bool Deleted(std::string_view name) const;

  static const std::vector<Label> kEmpty;
  const std::vector<Label>* base_ = &kEmpty;
  SlotList add_[3];
  std::vector<std::string> del_;
  size_t del_n_ = 0;
  std::vector<std::string> extracted_;
  size_t extracted_n_ = 0;
  std::string err_, err_details_;
};

template <typename Fn>
void LabelsBuilder::ForEach(Fn&& fn) const {
  for (const Label& l : *base_) {
    if (Deleted(l.name) || add_[1].Find(l.name) >= 0 || add_[2].Find(l.name) >= 0) continue;
    const int s = add_[0].Find(l.name);
    fn(std::string_view(l.name), s >= 0 ? std::string_view(add_[0].slots[s].value)
                                        : std::string_view(l.value));
  }
  for (size_t i = 0; i < add_[1].n; ++i) {
    if (add_[2].Find(add_[1].slots[i].name) >= 0) continue;
    fn(std::string_view(add_[1].slots[i].name), std::string_view(add_[1].slots[i].value));
  }
  for (size_t i = 0; i < add_[2].n; ++i) {
    fn(std::string_view(add_[2].slots[i].name), std::string_view(add_[2].slots[i].value));
  }
  if (!err_.empty()) fn(kErrorLabel, std::string_view(err_));
  if (!err_details_.empty()) fn(kErrorDetailsLabel, std::string_view(err_details_));
}

// Loki's sanitizeLabelKey: trims spaces, maps every rune that is not [A-Za-z0-9_] to '_', and
// (when `is_prefix`) prefixes a leading digit with '_'. Appends to *out.
void AppendSanitizedLabelName(std::string_view key, bool is_prefix, std::string* out);
std::string SanitizeLabelName(std::string_view key, bool is_prefix = true);
// Prometheus's model.LabelName.IsValid (legacy): [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

// Prometheus's labels.Labels.String() of a label list: {a="b", c="d"} (values Go-quoted).
std::string LabelsString(const std::vector<Label>& labels);

}  // namespace loupe::query::logql

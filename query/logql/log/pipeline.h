// Pipeline: the compiled stages of a LogQL log selector, and SampleExtractor: a pipeline plus
// the conversion of each surviving entry into a sample for a range aggregation.
//
// Stages are built in Loki's order (MultiStageExpr.reorderStages): line filters move to the
// front of their segment, where label filters, line_format and unpack end a segment. A stage
// that fails to build yields Loki's error
//   parse error : stage '| line_format "{{.a"' : invalid line template: template: line:1: ...
//
// Leading line filters can be pushed down to the log store: Create() then returns them in
// *pushdown and the pipeline does not run them again.
//
// Per entry: Reset the builder, add structured metadata, then Process(). A Pipeline and its
// extractor are used by one thread; they are cheap to build per query.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/log/filters.h"
#include "query/logql/log/labels_builder.h"
#include "query/logql/log/stage.h"
#include "query/logql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::query::logql {

// What the consumer of a pipeline needs from its labels (Loki's parser hints inputs).
struct HintRequest {
  bool extract_all = true;            // log queries: every parsed label is needed
  std::vector<std::string> groups;    // grouping of the samples
  bool without = false;
  bool no_labels = false;             // the samples carry no labels (e.g. sum(...) pushed down)
  std::vector<std::string> extra;     // unwrap label, post-unwrap filter labels
};

class Pipeline {
 public:
  // `pushdown` may be null (nothing is pushed down).
  static Result<std::unique_ptr<Pipeline>> Create(
      const LogSelector& selector, const HintRequest& hints,
      std::vector<std::shared_ptr<const LineMatcher>>* pushdown);

  // Runs the stages on one entry; false when a stage drops it. *line may be redirected to
  // storage owned by a stage (valid until the next call).
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) {
    for (const auto& s : stages_) {
      if (!s->Process(ts, line, lbs)) return false;
    }
    return true;
  }
  bool empty() const { return stages_.empty(); }
  const ParserHints& hints() const { return *hints_; }

 private:
  std::vector<std::unique_ptr<PipelineStage>> stages_;
  std::unique_ptr<ParserHints> hints_;
};

enum class SampleKind { kCount, kBytes, kUnwrap };

class SampleExtractor {
 public:
  // `grouping` is the range aggregation's `by`/`without` (or the vector aggregation's pushed
  // down); null means all labels. Unwrap conversion errors set
  // __error__="SampleExtractionErr" with the conversion's error as details.
  static Result<std::unique_ptr<SampleExtractor>> Create(
      const LogRange& range, SampleKind kind, const Grouping* grouping,
      std::vector<std::shared_ptr<const LineMatcher>>* pushdown);

  // Sets the stream labels (sorted) for the following entries.
  void SetStream(const std::vector<Label>* labels) { lbs_.SetBase(labels); }
  LabelsBuilder* builder() { return &lbs_; }
  // Call builder()->Reset() and add metadata first. On true, *value and *labels (the sample's
  // series labels, sorted) are set.
  bool Process(int64_t ts, std::string_view line, double* value, std::vector<Label>* labels);

 private:
  SampleKind kind_ = SampleKind::kCount;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::unique_ptr<PipelineStage>> post_;
  std::string unwrap_label_;
  UnwrapConversion conversion_ = UnwrapConversion::kNone;
  std::vector<std::string> groups_;  // sorted
  bool without_ = false;
  bool no_grouping_ = true;  // all labels
  bool no_labels_ = false;
  LabelsBuilder lbs_;
  std::string value_buf_;
};

// Builds one stage (exposed for tests).
Result<std::unique_ptr<PipelineStage>> BuildStage(const Stage& stage, const ParserHints* hints);

}  // namespace loupe::query::logql

// Stage: one step of a LogQL log pipeline (a line filter, a parser, a label filter, a
// formatter), and the hints that let parsers extract only what a metric query needs.
//
// Process() sees the current line and label builder of one log entry. It returns false to drop
// the entry; it may replace the line by pointing *line at storage the stage owns (valid until
// the stage's next Process call). Stages never modify the bytes *line points to.
//
// Thread-safety: a stage keeps per-line scratch state; a pipeline (and so each stage) is used by
// one thread at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/log/labels_builder.h"

namespace loupe::query::logql {

class PipelineStage {
 public:
  virtual ~PipelineStage() = default;
  virtual bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) = 0;
  // Label names the stage reads (Loki's RequiredLabelNames), for parser hints.
  virtual void RequiredLabels(std::vector<std::string>* out) const {}
};

// Loki's parser hints: which labels a parser needs to extract. Default: everything.
struct ParserHints {
  bool no_labels = false;             // extract nothing (the query needs no parsed label)
  std::vector<std::string> required;  // sorted; empty = extract all

  bool ExtractAll() const { return !no_labels && required.empty(); }
  bool ShouldExtract(std::string_view name) const {
    if (no_labels) return false;
    return required.empty() || std::binary_search(required.begin(), required.end(), name);
  }
  bool ShouldExtractPrefix(std::string_view prefix) const {
    if (no_labels) return false;
    if (required.empty()) return true;
    for (const std::string& r : required) {
      if (std::string_view(r).substr(0, prefix.size()) == prefix) return true;
    }
    return false;
  }
};

}  // namespace loupe::query::logql

// Relabeling as Prometheus's relabel_config defines it: the rules of a scrape config's
// relabel_configs (targets, before scraping) and metric_relabel_configs (every scraped sample).
//
//   - source_labels: [a, b]   # values joined with `separator` (default ";")
//     regex: (.*)             # RE2, fully anchored; default (.*)
//     target_label: t
//     replacement: $1         # default $1; $1, ${1}, $name, ${name}, $$ as Go's Regexp.Expand
//     modulus: 8              # hashmod only
//     action: replace         # replace (default), keep, drop, keepequal, dropequal, hashmod,
//                             # labelmap, labeldrop, labelkeep, lowercase, uppercase
//
// Thread-safety: a RelabelConfig is immutable after Make(); Relabel() may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"

namespace re2 {
class RE2;
}

namespace loupe::ingest::prom {

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// The fields of one rule as written; RelabelConfig::Make checks them.
struct RelabelSpec {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::optional<std::string> target_label;
  std::string regex = "(.*)";
  uint64_t modulus = 0;
  std::string replacement = "$1";
  std::string action = "replace";
};

class RelabelConfig {
 public:
  // kInvalidArgument with Prometheus's wording for an unknown action, a bad regex, a missing
  // or invalid target_label, a hashmod without modulus, or fields an action does not take.
  static Result<RelabelConfig> Make(const RelabelSpec& spec);

  RelabelAction action() const { return action_; }

 private:
  friend std::optional<storage::model::Labels> Relabel(const storage::model::Labels&,
                                                       const std::vector<RelabelConfig>&);
  RelabelAction action_ = RelabelAction::kReplace;
  std::vector<std::string> source_labels_;
  std::string separator_;
  std::string target_label_;
  std::shared_ptr<const re2::RE2> regex_;
  uint64_t modulus_ = 0;
  std::string replacement_;
};

// Applies `rules` in order. nullopt when a keep/drop/keepequal/dropequal rule drops the set.
std::optional<storage::model::Labels> Relabel(const storage::model::Labels& labels,
                                              const std::vector<RelabelConfig>& rules);

}  // namespace loupe::ingest::prom

// label_replace() and label_join(), shared by PromQL and LogQL.
//
// label_replace(v, dst, replacement, src, regex): if the fully anchored regex (RE2, dot
// matches newline) matches the value of label `src` ("" when absent), label `dst` is set to
// `replacement` with $1, ${1}, $name, ${name} and $$ expanded as Go's regexp.Expand does; an
// empty result removes `dst`. Otherwise the labels are unchanged.
// label_join(v, dst, separator, src...): `dst` becomes the values of the `src` labels joined by
// the separator (absent labels contribute ""); an empty result removes `dst`.
//
// Thread-safety: a compiled LabelReplacer is immutable; Apply() may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"

namespace re2 {
class RE2;
}

namespace loupe::query {

class LabelReplacer {
 public:
  // kInvalidArgument "invalid regular expression in label_replace(): <regex>" or
  // "invalid destination label name in label_replace(): <dst>" (a label name must be
  // non-empty valid UTF-8).
  static Result<LabelReplacer> Create(std::string dst, std::string replacement, std::string src,
                                      std::string regex);

  // Returns true and sets *out if the regex matched (even when the result equals the input).
  bool Apply(const storage::model::Labels& in, storage::model::Labels* out) const;

  const std::string& dst() const { return dst_; }

 private:
  LabelReplacer() = default;
  std::string dst_, replacement_, src_;
  std::shared_ptr<const re2::RE2> re_;
};

class LabelJoiner {
 public:
  // kInvalidArgument "invalid source label name in label_join(): <src>" or
  // "invalid destination label name in label_join(): <dst>".
  static Result<LabelJoiner> Create(std::string dst, std::string separator,
                                    std::vector<std::string> srcs);

  storage::model::Labels Apply(const storage::model::Labels& in) const;

  const std::string& dst() const { return dst_; }

 private:
  LabelJoiner() = default;
  std::string dst_, sep_;
  std::vector<std::string> srcs_;
};

// Go's regexp.Expand template expansion: `groups` are the submatches (index 0 = whole match,
// empty views for groups that did not participate), `names` the group names (index-aligned,
// "" for unnamed groups).
std::string ExpandTemplate(std::string_view tmpl, const std::vector<std::string_view>& groups,
                           const std::vector<std::string>& names);

}  // namespace loupe::query

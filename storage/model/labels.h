// Labels: a set of (name, value) pairs identifying a series or stream, kept sorted by name with
// unique names, as Prometheus and Loki define them. `__name__` holds a metric's name.
//
// Thread-safety: value type.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loupe::storage::model {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

class Labels {
 public:
  Labels() = default;
  // Sorts by name; a later duplicate name replaces an earlier one. Empty values are dropped
  // (an empty label value means "label absent" in Prometheus and Loki).
  Labels(std::initializer_list<Label> labels);
  static Labels FromUnsorted(std::vector<Label> labels);
  // Trusts the caller: `labels` must be sorted by name, unique, without empty values.
  static Labels FromSorted(std::vector<Label> labels);

  // Empty string_view if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricNameLabel); }

  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const std::vector<Label>& items() const { return labels_; }
  auto begin() const { return labels_.begin(); }
  auto end() const { return labels_.end(); }

  // Returns a copy with `name` set (or removed if `value` is empty).
  Labels With(std::string_view name, std::string_view value) const;
  Labels Without(std::string_view name) const;
  // Keeps only / drops the given names (used by aggregation `by` / `without`).
  Labels Keep(const std::vector<std::string>& names) const;
  Labels Drop(const std::vector<std::string>& names) const;

  // Stable 64-bit hash of the whole set (xxhash-style mixing; not cryptographic).
  uint64_t Hash() const;

  // Prometheus text form: {__name__="x", a="b"} printed as x{a="b"}; values escaped.
  std::string ToString() const;

  friend bool operator==(const Labels&, const Labels&) = default;
  friend auto operator<=>(const Labels& a, const Labels& b) { return a.labels_ <=> b.labels_; }

 private:
  std::vector<Label> labels_;
};

// A borrowed label (e.g. pointing into a decoded request buffer), for hot paths that must not
// allocate per label.
struct LabelRef {
  std::string_view name;
  std::string_view value;
};

// The same hash as Labels::Hash() over the same (sorted, unique) pairs.
uint64_t HashLabelRefs(const LabelRef* labels, size_t n);

// Builds a Labels in place without intermediate sorting of every Set.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base);
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;

 private:
  std::vector<Label> labels_;  // unsorted; last write wins
};

// Escapes a label value for the Prometheus/Loki text form: backslash, double quote, newline.
std::string EscapeLabelValue(std::string_view v);

}  // namespace loupe::storage::model

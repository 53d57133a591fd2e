#include "storage/model/labels.h"

#include <algorithm>

namespace loupe::storage::model {
namespace {

// 64-bit FNV-1a over name/value with separators, finished with a murmur3 mix. Stable across
// runs and builds (used in on-disk series ids).
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

void Normalize(std::vector<Label>* labels) {
  std::stable_sort(labels->begin(), labels->end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Last duplicate wins: walk backwards keeping first-seen names.
  std::vector<Label> out;
  out.reserve(labels->size());
  for (size_t i = 0; i < labels->size(); ++i) {
    if (i + 1 < labels->size() && (*labels)[i + 1].name == (*labels)[i].name) continue;
    if ((*labels)[i].value.empty()) continue;
    out.push_back(std::move((*labels)[i]));
  }
  *labels = std::move(out);
}

}  // namespace

Labels::Labels(std::initializer_list<Label> labels) : labels_(labels) { Normalize(&labels_); }

Labels Labels::FromUnsorted(std::vector<Label> labels) {
  Labels l;
  l.labels_ = std::move(labels);
  Normalize(&l.labels_);
  return l;
}

Labels Labels::FromSorted(std::vector<Label> labels) {
  Labels l;
  l.labels_ = std::move(labels);
  return l;
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

bool Labels::Has(std::string_view name) const { return !Get(name).empty(); }

Labels Labels::With(std::string_view name, std::string_view value) const {
  LabelsBuilder b(*this);
  b.Set(name, value);
  return b.Build();
}

Labels Labels::Without(std::string_view name) const {
  Labels out;
  out.labels_.reserve(labels_.size());
  for (const auto& l : labels_) {
    if (l.name != name) out.labels_.push_back(l);
  }
  return out;
}

Labels Labels::Keep(const std::vector<std::string>& names) const {
  Labels out;
  for (const auto& l : labels_) {
    if (std::find(names.begin(), names.end(), l.name) != names.end()) out.labels_.push_back(l);
  }
  return out;
}

Labels Labels::Drop(const std::vector<std::string>& names) const {
  Labels out;
  for (const auto& l : labels_) {
    if (std::find(names.begin(), names.end(), l.name) == names.end()) out.labels_.push_back(l);
  }
  return out;
}

namespace {
inline void Feed(uint64_t& h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= 0xff;  // separator: not a valid UTF-8 byte
  h *= 0x100000001b3ULL;
}
}  // namespace

uint64_t Labels::Hash() const {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& l : labels_) {
    Feed(h, l.name);
    Feed(h, l.value);
  }
  return Mix(h);
}

uint64_t HashLabelRefs(const LabelRef* labels, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    Feed(h, labels[i].name);
    Feed(h, labels[i].value);
  }
  return Mix(h);
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Labels::ToString() const {
  std::string out;
  const std::string_view name = MetricName();
  out += name;
  out += '{';
  bool first = true;
  for (const auto& l : labels_) {
    if (l.name == kMetricNameLabel) continue;
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out += "=\"";
    out += EscapeLabelValue(l.value);
    out += '"';
  }
  out += '}';
  return out;
}

LabelsBuilder::LabelsBuilder(const Labels& base) : labels_(base.items()) {}

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  for (auto& l : labels_) {
    if (l.name == name) {
      l.value = std::string(value);
      return *this;
    }
  }
  labels_.push_back({std::string(name), std::string(value)});
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  labels_.erase(std::remove_if(labels_.begin(), labels_.end(),
                               [&](const Label& l) { return l.name == name; }),
                labels_.end());
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const auto& l : labels_) {
    if (l.name == name) return l.value;
  }
  return {};
}

Labels LabelsBuilder::Build() const { return Labels::FromUnsorted(labels_); }

}  // namespace loupe::storage::model

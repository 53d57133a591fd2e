#include "query/logql/log/labels_builder.h"

#include <algorithm>

#include "query/common/go_format.h"

namespace loupe::query::logql {

const std::vector<Label> LabelsBuilder::kEmpty;

int LabelsBuilder::SlotList::Find(std::string_view name) const {
  for (size_t i = 0; i < n; ++i) {
    if (slots[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void LabelsBuilder::SlotList::Remove(size_t i) {
  // Keep insertion order (Loki's slices do); rotate the removed slot to the end so its string
  // capacity is reused.
  std::rotate(slots.begin() + i, slots.begin() + i + 1, slots.begin() + n);
  --n;
}

void LabelsBuilder::SlotList::Put(std::string_view name, std::string_view value) {
  const int i = Find(name);
  if (i >= 0) {
    slots[i].value.assign(value);
    return;
  }
  if (n == slots.size()) slots.emplace_back();
  slots[n].name.assign(name);
  slots[n].value.assign(value);
  ++n;
}

void LabelsBuilder::Reset() {
  for (auto& a : add_) a.n = 0;
  del_n_ = 0;
  extracted_n_ = 0;
  err_.clear();
  err_details_.clear();
}

bool LabelsBuilder::BaseHas(std::string_view name) const {
  for (const Label& l : *base_) {
    if (l.name == name) return true;
  }
  return false;
}

bool LabelsBuilder::Deleted(std::string_view name) const {
  for (size_t i = 0; i < del_n_; ++i) {
    if (del_[i] == name) return true;
  }
  return false;
}

std::optional<std::string_view> LabelsBuilder::GetWithCategory(std::string_view name,
                                                               LabelCategory* category) const {
  for (int c = 0; c < 3; ++c) {
    const int i = add_[c].Find(name);
    if (i >= 0) {
      if (category) *category = static_cast<LabelCategory>(c);
      return std::string_view(add_[c].slots[i].value);
    }
  }
  if (Deleted(name)) return std::nullopt;
  for (const Label& l : *base_) {
    if (l.name == name) {
      if (category) *category = LabelCategory::kStream;
      return std::string_view(l.value);
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> LabelsBuilder::Get(std::string_view name) const {
  return GetWithCategory(name, nullptr);
}

void LabelsBuilder::Set(LabelCategory category, std::string_view name, std::string_view value) {
  auto& stream = add_[0];
  auto& meta = add_[1];
  auto& parsed = add_[2];
  if (category == LabelCategory::kParsed) {
    if (int i = meta.Find(name); i >= 0) meta.Remove(i);
    if (int i = stream.Find(name); i >= 0) stream.Remove(i);
  } else if (category == LabelCategory::kMetadata) {
    if (int i = stream.Find(name); i >= 0) stream.Remove(i);
    if (parsed.Find(name) >= 0) return;
  } else {
    if (meta.Find(name) >= 0 || parsed.Find(name) >= 0) return;
  }
  add_[static_cast<int>(category)].Put(name, value);
  if (category == LabelCategory::kParsed) {
    if (extracted_n_ == extracted_.size()) extracted_.emplace_back();
    extracted_[extracted_n_++].assign(name);
  }
}

void LabelsBuilder::Add(LabelCategory category, std::string_view name, std::string_view value) {
  if (BaseHas(name)) {
    std::string suffixed(name);
    suffixed += kExtractedSuffix;
    Set(category, suffixed, value);
    return;
  }
  if (name == kErrorLabel) {
    err_.assign(value);
    return;
  }
  if (name == kErrorDetailsLabel) {
    err_details_.assign(value);
    return;
  }
  Set(category, name, value);
}

void LabelsBuilder::Del(std::string_view name) {
  for (auto& a : add_) {
    if (int i = a.Find(name); i >= 0) a.Remove(i);
  }
  if (del_n_ == del_.size()) del_.emplace_back();
  del_[del_n_++].assign(name);
}

bool LabelsBuilder::Extracted(std::string_view name, size_t n) const {
  for (size_t i = 0; i < extracted_n_ && i < n; ++i) {
    if (extracted_[i] == name) return true;
  }
  return false;
}

bool LabelsBuilder::Unchanged() const {
  return del_n_ == 0 && add_[0].n == 0 && add_[1].n == 0 && add_[2].n == 0 && err_.empty() &&
         err_details_.empty();
}

namespace {
void SortLabels(std::vector<Label>* v) {
  std::sort(v->begin(), v->end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
}
void Append(std::vector<Label>* out, std::string_view name, std::string_view value) {
  out->emplace_back();
  out->back().name.assign(name);
  out->back().value.assign(value);
}
}  // namespace

void LabelsBuilder::AllLabels(std::vector<Label>* out) const {
  out->clear();
  if (Unchanged()) {
    out->assign(base_->begin(), base_->end());
    return;
  }
  ForEach([&](std::string_view n, std::string_view v) { Append(out, n, v); });
  SortLabels(out);
}

void LabelsBuilder::Categorized(std::vector<Label>* stream, std::vector<Label>* metadata,
                                std::vector<Label>* parsed) const {
  stream->clear();
  metadata->clear();
  parsed->clear();
  for (const Label& l : *base_) {
    if (Deleted(l.name) || add_[1].Find(l.name) >= 0 || add_[2].Find(l.name) >= 0) continue;
    const int s = add_[0].Find(l.name);
    Append(stream, l.name, s >= 0 ? std::string_view(add_[0].slots[s].value)
                                   : std::string_view(l.value));
  }
  for (size_t i = 0; i < add_[1].n; ++i) {
    if (add_[2].Find(add_[1].slots[i].name) >= 0) continue;
    Append(metadata, add_[1].slots[i].name, add_[1].slots[i].value);
  }
  for (size_t i = 0; i < add_[2].n; ++i) {
    Append(parsed, add_[2].slots[i].name, add_[2].slots[i].value);
  }
  if (!err_.empty()) Append(parsed, kErrorLabel, err_);
  if (!err_details_.empty()) Append(parsed, kErrorDetailsLabel, err_details_);
  SortLabels(metadata);
  SortLabels(parsed);
}

void LabelsBuilder::GroupedLabels(const std::vector<std::string>& groups, bool without,
                                  bool no_grouping, std::vector<Label>* out) const {
  if (HasErr() || no_grouping) {
    AllLabels(out);
    return;
  }
  out->clear();
  if (without) {
    ForEach([&](std::string_view n, std::string_view v) {
      if (!std::binary_search(groups.begin(), groups.end(), n)) Append(out, n, v);
    });
    SortLabels(out);
    return;
  }
  for (const std::string& g : groups) {
    if (auto v = Get(g)) Append(out, g, *v);
    else if (g == kErrorDetailsLabel && !err_details_.empty()) Append(out, g, err_details_);
  }
  // `groups` is sorted, so `out` is too.
}

void AppendSanitizedLabelName(std::string_view key, bool is_prefix, std::string* out) {
  while (!key.empty() && (key.front() == ' ' || key.front() == '\t' || key.front() == '\n' ||
                          key.front() == '\r' || key.front() == '\v' || key.front() == '\f')) {
    key.remove_prefix(1);
  }
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t' || key.back() == '\n' ||
                          key.back() == '\r' || key.back() == '\v' || key.back() == '\f')) {
    key.remove_suffix(1);
  }
  if (key.empty()) return;
  if (is_prefix && key[0] >= '0' && key[0] <= '9') out->push_back('_');
  for (size_t i = 0; i < key.size();) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    out->push_back('_');
    // One '_' per rune (Go ranges over runes); an invalid byte is one rune.
    size_t len = 1;
    if (c >= 0xC0 && c < 0xE0) len = 2;
    else if (c >= 0xE0 && c < 0xF0) len = 3;
    else if (c >= 0xF0 && c < 0xF8) len = 4;
    bool valid = i + len <= key.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(key[i + k]) & 0xC0) == 0x80;
    }
    i += valid ? len : 1;
  }
}

std::string SanitizeLabelName(std::string_view key, bool is_prefix) {
  std::string out;
  AppendSanitizedLabelName(key, is_prefix, &out);
  return out;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string LabelsString(const std::vector<Label>& labels) {
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) s += ", ";
    s += labels[i].name;
    s += '=';
    s += query::GoQuote(labels[i].value);
  }
  s += '}';
  return s;
}

}  // namespace loupe::query::logql

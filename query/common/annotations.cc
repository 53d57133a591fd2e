#include "query/common/annotations.h"

#include <algorithm>

namespace loupe::query {

void Annotations::Add(Annotation a) {
  for (const auto& existing : items_) {
    if (existing.message == a.message) return;
  }
  items_.push_back(std::move(a));
}

void Annotations::AddWarning(std::string message, int32_t pos_start, int32_t pos_end) {
  Add({AnnotationKind::kWarning, std::move(message), pos_start, pos_end});
}

void Annotations::AddInfo(std::string message, int32_t pos_start, int32_t pos_end) {
  Add({AnnotationKind::kInfo, std::move(message), pos_start, pos_end});
}

void Annotations::Merge(const Annotations& other) {
  for (const auto& a : other.items_) Add(a);
}

size_t Annotations::CountWarnings() const {
  return std::count_if(items_.begin(), items_.end(),
                       [](const Annotation& a) { return a.kind == AnnotationKind::kWarning; });
}

size_t Annotations::CountInfos() const { return items_.size() - CountWarnings(); }

std::vector<std::string> Annotations::Format(AnnotationKind kind, std::string_view query) const {
  std::vector<std::string> out;
  for (const auto& a : items_) {
    if (a.kind != kind) continue;
    if (query.empty()) {
      out.push_back(a.message);
    } else {
      out.push_back(a.message + " (" + LineColumn(query, a.pos_start) + ")");
    }
  }
  return out;
}

std::string LineColumn(std::string_view query, int32_t pos) {
  int line = 1;
  int col = 1;
  const size_t end = std::min<size_t>(pos < 0 ? 0 : static_cast<size_t>(pos), query.size());
  for (size_t i = 0; i < end; ++i) {
    if (query[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace loupe::query

// Annotations: the warnings and infos a query evaluation attaches to an otherwise successful
// result, as Prometheus's `warnings` / `infos` response fields carry them.
//
// Each annotation has a kind, the message text exactly as the real system words it (e.g.
// `PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket:
// "x"`) and the byte range of the expression it concerns. Annotations are de-duplicated by
// message, as Prometheus keys them by their text.
//
// Thread-safety: value types; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::query {

enum class AnnotationKind { kWarning, kInfo };

struct Annotation {
  AnnotationKind kind = AnnotationKind::kWarning;
  std::string message;
  // Byte range [pos_start, pos_end) in the query of the expression concerned.
  int32_t pos_start = 0;
  int32_t pos_end = 0;
};

class Annotations {
 public:
  // Adds `a` unless an annotation with the same message is already present.
  void Add(Annotation a);
  void AddWarning(std::string message, int32_t pos_start, int32_t pos_end);
  void AddInfo(std::string message, int32_t pos_start, int32_t pos_end);
  void Merge(const Annotations& other);

  const std::vector<Annotation>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  size_t CountWarnings() const;
  size_t CountInfos() const;

  // The messages of one kind in insertion order, each followed by " (<line>:<col>)" of its
  // position in `query` when `query` is non-empty, as Prometheus's HTTP API shows them.
  std::vector<std::string> Format(AnnotationKind kind, std::string_view query) const;

 private:
  std::vector<Annotation> items_;
};

// "<line>:<col>" (1-based, column in bytes) of byte offset `pos` in `query`.
std::string LineColumn(std::string_view query, int32_t pos);

}  // namespace loupe::query

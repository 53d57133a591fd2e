// Results of LogQL queries: plain structs the HTTP layer serialises as Loki's
// `streams` / `vector` / `matrix` / `scalar` result types. Timestamps are Unix nanoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/model/labels.h"

namespace loupe::query::logql {

using storage::model::Label;

struct StreamEntry {
  int64_t ts = 0;
  std::string line;
  // Only with categorize_labels: the entry's structured metadata and parsed labels (sorted;
  // the error labels count as parsed).
  std::vector<Label> metadata;
  std::vector<Label> parsed;
};

struct Stream {
  // All labels, or with categorize_labels only the stream (indexed) labels. Sorted; values may
  // be empty (Loki shows `uid=""` for a json expression that found nothing).
  std::vector<Label> labels;
  std::vector<StreamEntry> entries;  // in the query's direction
};

struct SamplePoint {
  int64_t ts = 0;
  double value = 0;
};

struct Series {
  storage::model::Labels labels;
  std::vector<SamplePoint> points;
};

struct QueryStats {
  uint64_t lines_processed = 0;  // entries read from the source (after pushed-down filters)
  uint64_t bytes_processed = 0;
  uint64_t entries_returned = 0;
  int64_t exec_ns = 0;
};

enum class ResultType { kStreams, kVector, kMatrix, kScalar };

struct QueryResult {
  ResultType type = ResultType::kStreams;
  std::vector<Stream> streams;  // kStreams, sorted by labels (Prometheus label-set text)
  std::vector<Series> series;   // kVector (one point each, at the query time) and kMatrix
  SamplePoint scalar;           // kScalar
  QueryStats stats;
};

}  // namespace loupe::query::logql

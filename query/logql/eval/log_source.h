// LogSource: what the LogQL engine reads. Select() returns the streams whose labels match every
// matcher and that hold entries in [start_ns, end_ns), each with an iterator over its entries in
// the requested time direction, already passed through the optional pushed-down line filter.
//
// Implementations: MemoryLogSource (tests, benchmarks) and LogStoreSource (the embedded
// storage::logstore::LogStore).
//
// Thread-safety: Select may be called concurrently; an EntryStream is used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/logstore/line_filter.h"
#include "storage/model/labels.h"
#include "storage/model/matcher.h"

namespace loupe::query::logql {

enum class Direction { kForward, kBackward };

class EntryStream {
 public:
  virtual ~EntryStream() = default;
  // Advances; false at the end or on error (see status()).
  virtual bool Next() = 0;
  virtual int64_t ts() const = 0;
  // Valid until the next Next().
  virtual std::string_view line() const = 0;
  virtual const std::vector<storage::model::LabelRef>& metadata() const = 0;
  virtual Status status() const { return Status::OK(); }
};

struct SourceStream {
  std::vector<storage::model::Label> labels;  // sorted by name
  std::unique_ptr<EntryStream> entries;
};

struct SelectParams {
  std::vector<storage::model::Matcher> matchers;
  int64_t start_ns = INT64_MIN;  // inclusive
  int64_t end_ns = INT64_MAX;    // exclusive
  Direction direction = Direction::kForward;
  std::shared_ptr<const storage::logstore::LineFilter> filter;  // may be null
};

class LogSource {
 public:
  virtual ~LogSource() = default;
  virtual Result<std::vector<SourceStream>> Select(std::string_view tenant,
                                                   const SelectParams& params) = 0;
};

}  // namespace loupe::query::logql

// The evaluation timestamps of a range query: start, start+step, ..., up to and including end
// (milliseconds). An instant evaluation is the range with start == end.
//
// Thread-safety: value type.
#pragma once

#include <cstdint>

namespace loupe::query {

struct StepRange {
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 1;  // > 0

  // Number of timestamps; 0 when end < start.
  int64_t Count() const { return end < start ? 0 : (end - start) / step + 1; }
  int64_t At(int64_t i) const { return start + i * step; }
  bool IsInstant() const { return start == end; }
};

}  // namespace loupe::query

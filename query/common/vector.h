// The instant-vector element the shared building blocks work on: a series index (into a
// table of label sets the caller owns, so that labels are not copied at every step) and the
// series' value at the current evaluation step.
#pragma once

#include <cstdint>

namespace loupe::query {

struct StepSample {
  uint32_t series = 0;
  double value = 0;
};

}  // namespace loupe::query

// Kahan-Babuska (Neumaier) compensated summation, as Prometheus and Loki sum floats: the
// running sum and a compensation term; the result is sum + c (unless the sum is infinite).
//
// Thread-safety: pure functions.
#pragma once

#include <cmath>

namespace loupe::query {

// Adds `inc` to the running (*sum, *c). An infinite sum resets the compensation.
inline void KahanAdd(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

}  // namespace loupe::query

#include "query/common/sort.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace loupe::query {

void SortByValue(std::vector<StepSample>* samples, bool descending) {
  std::stable_sort(samples->begin(), samples->end(),
                   [descending](const StepSample& a, const StepSample& b) {
                     const bool an = std::isnan(a.value), bn = std::isnan(b.value);
                     if (an || bn) return !an && bn;
                     return descending ? a.value > b.value : a.value < b.value;
                   });
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Splits into maximal runs of ASCII digits and of other bytes.
std::vector<std::string_view> Chunks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    const bool digit = IsDigit(s[i]);
    while (j < s.size() && IsDigit(s[j]) == digit) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// strconv.Atoi on a run of digits: false on overflow.
bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || !IsDigit(s[0])) return false;
  int64_t v = 0;
  for (char c : s) {
    if (v > (INT64_MAX - (c - '0')) / 10) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// natsort.Compare(a, b): true if a precedes b.
bool NatPrecedes(std::string_view a, std::string_view b) {
  const auto ca = Chunks(a);
  const auto cb = Chunks(b);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (i >= cb.size()) return false;
    int64_t ia, ib;
    const bool na = ParseInt(ca[i], &ia), nb = ParseInt(cb[i], &ib);
    if (na && nb) {
      if (ia == ib) {
        if (i == ca.size() - 1) return true;
        if (i == cb.size() - 1) return false;
        continue;
      }
      return ia < ib;
    }
    if (ca[i] == cb[i]) {
      if (i == ca.size() - 1) return true;
      if (i == cb.size() - 1) return false;
      continue;
    }
    return ca[i] < cb[i];
  }
  return false;
}

}  // namespace

int NaturalCompare(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  const bool ab = NatPrecedes(a, b), ba = NatPrecedes(b, a);
  if (ab != ba) return ab ? -1 : 1;
  return a < b ? -1 : 1;
}

}  // namespace loupe::query

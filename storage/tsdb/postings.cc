#include "storage/tsdb/postings.h"

#include <algorithm>
#include <queue>
#include <tuple>

namespace loupe::storage::tsdb {

PostingsList Intersect(const PostingsList& a, const PostingsList& b) {
  const PostingsList& small = a.size() <= b.size() ? a : b;
  const PostingsList& large = a.size() <= b.size() ? b : a;
  PostingsList out;
  out.reserve(small.size());
  if (small.size() * 16 < large.size()) {
    // Galloping: binary-search each element of the small list in the rest of the large one.
    auto it = large.begin();
    for (SeriesId id : small) {
      it = std::lower_bound(it, large.end(), id);
      if (it == large.end()) break;
      if (*it == id) out.push_back(id);
    }
    return out;
  }
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

PostingsList Merge(const std::vector<const PostingsList*>& lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return *lists[0];
  if (lists.size() == 2) {
    PostingsList out;
    out.reserve(lists[0]->size() + lists[1]->size());
    std::set_union(lists[0]->begin(), lists[0]->end(), lists[1]->begin(), lists[1]->end(),
                   std::back_inserter(out));
    return out;
  }
  // k-way merge with a heap of (value, list index, position).
  using Entry = std::tuple<SeriesId, size_t, size_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  size_t total = 0;
  for (size_t i = 0; i < lists.size(); ++i) {
    total += lists[i]->size();
    if (!lists[i]->empty()) heap.emplace((*lists[i])[0], i, 0);
  }
  PostingsList out;
  out.reserve(total);
  while (!heap.empty()) {
    auto [v, li, pos] = heap.top();
    heap.pop();
    if (out.empty() || out.back() != v) out.push_back(v);
    if (pos + 1 < lists[li]->size()) heap.emplace((*lists[li])[pos + 1], li, pos + 1);
  }
  return out;
}

PostingsList Without(const PostingsList& a, const PostingsList& b) {
  PostingsList out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace loupe::storage::tsdb

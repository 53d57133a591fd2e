// Postings: sorted lists of series ids, and the set algebra selectors need, in the spirit of
// Prometheus's tsdb/index/postings.go (Intersect / Merge / Without) over plain sorted vectors.
#pragma once

#include <cstdint>
#include <vector>

namespace loupe::storage::tsdb {

using SeriesId = uint32_t;  // dense per-tenant id of a series in memory
using PostingsList = std::vector<SeriesId>;

// All inputs must be sorted ascending without duplicates; outputs are too.
PostingsList Intersect(const PostingsList& a, const PostingsList& b);
PostingsList Merge(const std::vector<const PostingsList*>& lists);
PostingsList Without(const PostingsList& a, const PostingsList& b);

}  // namespace loupe::storage::tsdb

// XXH64 (Yann Collet's xxHash, 64-bit variant, seed 0) and the label-set hash Prometheus
// derives from it. PromQL's limit_ratio() picks series by this hash, so matching it makes
// loupe select the same series Prometheus selects.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/model/labels.h"

namespace loupe::query {

uint64_t Xxh64(std::string_view data, uint64_t seed = 0);

// Prometheus's labels.Labels.Hash(): XXH64 of name 0xff value 0xff ... over the sorted labels.
uint64_t PrometheusLabelsHash(const storage::model::Labels& labels);

}  // namespace loupe::query

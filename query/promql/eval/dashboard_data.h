// Synthetic "dashboard" data for benchmarks: about 10k series of typical service and node
// metrics (counters, gauges, classic histograms) over 2 h at a 15 s scrape interval, plus the
// 20 queries a service/node dashboard issues. Deterministic, so that loupe and Prometheus
// (bench_vs_prometheus.sh backfills the same data) evaluate identical inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storage/model/labels.h"
#include "storage/model/sample.h"

namespace loupe::query::promql {

inline constexpr int64_t kDashboardStart = 1699999200000;  // an hour boundary (ms)
inline constexpr int64_t kDashboardEnd = kDashboardStart + 2 * 3600 * 1000;
inline constexpr int64_t kDashboardStep = 15000;
inline constexpr int64_t kDashboardScrape = 15000;

// Calls `emit` once per series with its samples (from kDashboardStart - 10m to
// kDashboardEnd), series in a fixed order. Returns the number of series.
size_t GenerateDashboardData(const std::function<void(const storage::model::Labels&,
                                                      std::vector<storage::model::Sample>)>& emit);

const std::vector<std::string>& DashboardQueries();

}  // namespace loupe::query::promql

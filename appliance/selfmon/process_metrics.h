// Standard process_* metrics (as Prometheus client libraries export them) read from /proc.
#pragma once

#include "appliance/selfmon/metrics_registry.h"

namespace loupe::appliance::selfmon {

// Registers a collector for process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds
// and process_threads.
void RegisterProcessMetrics(Registry& registry);

struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;
  double open_fds = 0;
  double max_fds = 0;
  double threads = 0;
};
// Reads the current process's stats; fields that cannot be read stay 0.
ProcessStats ReadProcessStats();

}  // namespace loupe::appliance::selfmon

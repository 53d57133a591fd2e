#include "appliance/selfmon/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace loupe::appliance::selfmon {
namespace {

double ToDouble(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

double BootTimeSeconds() {
  std::ifstream f("/proc/stat");
  std::string key;
  double value = 0;
  while (f >> key) {
    if (key == "btime") {
      f >> value;
      return value;
    }
    f.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats st;
  std::ifstream f("/proc/self/stat");
  std::string line;
  std::getline(f, line);
  // Field 2 (comm) may hold spaces; everything after the last ')' is space-separated.
  const auto close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(line.substr(close + 2));
    std::vector<std::string> fields;
    std::string tok;
    while (rest >> tok) fields.push_back(tok);
    // fields[0] is field 3 (state): field N is fields[N - 3].
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    if (fields.size() > 21) {
      st.cpu_seconds = (ToDouble(fields[14 - 3]) + ToDouble(fields[15 - 3])) / ticks;
      st.threads = ToDouble(fields[20 - 3]);
      st.start_time_seconds = BootTimeSeconds() + ToDouble(fields[22 - 3]) / ticks;
      st.virtual_bytes = ToDouble(fields[23 - 3]);
      st.resident_bytes = ToDouble(fields[24 - 3]) * page;
    }
  }
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  st.open_fds = fds;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) st.max_fds = static_cast<double>(rl.rlim_cur);
  return st;
}

void RegisterProcessMetrics(Registry& registry) {
  registry.AddCollector([](MetricWriter& w) {
    const auto st = ReadProcessStats();
    w.Family("process_cpu_seconds_total", MetricType::kCounter, "Total user and system CPU time spent in seconds.");
    w.Sample("", {}, st.cpu_seconds);
    w.Family("process_resident_memory_bytes", MetricType::kGauge, "Resident memory size in bytes.");
    w.Sample("", {}, st.resident_bytes);
    w.Family("process_virtual_memory_bytes", MetricType::kGauge, "Virtual memory size in bytes.");
    w.Sample("", {}, st.virtual_bytes);
    w.Family("process_start_time_seconds", MetricType::kGauge, "Start time of the process since unix epoch in seconds.");
    w.Sample("", {}, st.start_time_seconds);
    w.Family("process_open_fds", MetricType::kGauge, "Number of open file descriptors.");
    w.Sample("", {}, st.open_fds);
    w.Family("process_max_fds", MetricType::kGauge, "Maximum number of open file descriptors.");
    w.Sample("", {}, st.max_fds);
    w.Family("process_threads", MetricType::kGauge, "Number of OS threads in the process.");
    w.Sample("", {}, st.threads);
  });
}

}  // namespace loupe::appliance::selfmon

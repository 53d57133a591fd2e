// `loupe loadgen metrics|logs|traces ...`: load generators for benchmarks and soak tests.
#pragma once

#include <CLI/CLI.hpp>

#include "appliance/loadgen/logs_loadgen.h"
#include "appliance/loadgen/metrics_loadgen.h"
#include "appliance/loadgen/traces_loadgen.h"

namespace loupe::appliance::cli {

class LoadgenCommand {
 public:
  explicit LoadgenCommand(CLI::App& app);
  bool parsed() const;
  int Run();

 private:
  CLI::App* cmd_;
  int RunMetrics();
  int RunTraces();

  CLI::App* metrics_;
  loadgen::MetricsLoadgenOptions metrics_options_;
  std::string interval_ = "15s";
  CLI::App* logs_;
  loadgen::LogsLoadgenOptions logs_options_;
  std::string logs_wire_ = "protobuf";
  std::string logs_format_ = "json";
  int RunLogs();
  CLI::App* traces_;
  loadgen::TracesLoadgenOptions traces_options_;
  std::string traces_duration_ = "10s";
};

}  // namespace loupe::appliance::cli

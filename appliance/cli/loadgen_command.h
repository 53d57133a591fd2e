// `loupe loadgen metrics|logs ...`: load generators for benchmarks and soak tests.
#pragma once

#include <CLI/CLI.hpp>

#include "appliance/loadgen/logs_loadgen.h"
#include "appliance/loadgen/metrics_loadgen.h"

namespace loupe::appliance::cli {

class LoadgenCommand {
 public:
  explicit LoadgenCommand(CLI::App& app);
  bool parsed() const;
  int Run();

 private:
  CLI::App* cmd_;
  CLI::App* metrics_;
  loadgen::MetricsLoadgenOptions metrics_options_;
  std::string interval_ = "15s";
  CLI::App* logs_;
  loadgen::LogsLoadgenOptions logs_options_;
  std::string logs_wire_ = "protobuf";
  std::string logs_format_ = "json";
  int RunLogs();
};

}  // namespace loupe::appliance::cli

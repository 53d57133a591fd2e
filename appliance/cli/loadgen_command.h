// `loupe loadgen metrics ...`: load generators for benchmarks and soak tests.
#pragma once

#include <CLI/CLI.hpp>

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
};

}  // namespace loupe::appliance::cli

// `loupe serve`: flags, environment and config file into a Config, then run the Appliance until
// SIGINT/SIGTERM.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "appliance/config.h"

namespace loupe::appliance::cli {

class ServeCommand {
 public:
  // Adds the `serve` subcommand and its options to `app`.
  explicit ServeCommand(CLI::App& app);
  CLI::App* command() const { return cmd_; }
  // Builds the effective Config (defaults < file < env < flags) and runs. Exit status.
  int Run();

 private:
  // Registers a string-valued option whose value is applied to the Config by `apply`.
  void StringOption(const std::string& flags, const std::string& env, const std::string& help,
                    std::function<Status(Config&, const std::string&)> apply);
  void FlagOption(const std::string& flags, const std::string& env, const std::string& help,
                  std::function<void(Config&, bool)> apply);
  Status BuildConfig(Config* config);

  struct Binding {
    CLI::Option* option;
    std::function<Status(Config&)> apply;
  };
  CLI::App* cmd_;
  std::string config_path_;
  std::vector<Binding> bindings_;
  std::vector<std::unique_ptr<std::string>> string_values_;
  std::vector<std::unique_ptr<bool>> bool_values_;
};

}  // namespace loupe::appliance::cli

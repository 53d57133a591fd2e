#include "appliance/cli/cli.h"

#include <CLI/CLI.hpp>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "appliance/build_info.h"
#include "appliance/cli/loadgen_command.h"
#include "appliance/cli/serve_command.h"
#include "query/promql/test/promqltest.h"

namespace loupe::appliance::cli {

int Main(int argc, char** argv) {
  CLI::App app{"loupe: logs, metrics and traces on one machine, behind the Loki, Prometheus and Tempo APIs"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", [] {
    const auto& b = GetBuildInfo();
    return "loupe " + b.version + " (revision " + b.revision + ", branch " + b.branch + ", " + b.compiler + ")";
  });

  ServeCommand serve(app);
  LoadgenCommand loadgen(app);
  auto* version = app.add_subcommand("version", "Print version and build information");
  // Prometheus's promqltest format: lets users check loupe's PromQL against Prometheus's own
  // test files (or their own) without a running server.
  auto* promqltest = app.add_subcommand(
      "promqltest", "Run PromQL test files (Prometheus's promqltest format) against loupe's engine");
  std::vector<std::string> promqltest_files;
  bool promqltest_verbose = false;
  promqltest->add_option("files", promqltest_files, "Test files (.test)")->required()->check(CLI::ExistingFile);
  promqltest->add_flag("-v,--verbose", promqltest_verbose, "Print passing and skipped cases too");

  // `loupe [serve flags]` means `loupe serve [serve flags]`.
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool top_level_only = !args.empty() && (args[0] == "-h" || args[0] == "--help" || args[0] == "--version");
  bool has_subcommand = false;
  if (!args.empty()) {
    for (const auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == args[0]) has_subcommand = true;
    }
  }
  if (!top_level_only && !has_subcommand) args.insert(args.begin(), "serve");
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector

  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version->parsed()) {
    const auto& b = GetBuildInfo();
    std::cout << "loupe " << b.version << "\n  revision: " << b.revision << "\n  branch:   " << b.branch
              << "\n  date:     " << b.build_date << "\n  compiler: " << b.compiler << "\n";
    return 0;
  }
  if (loadgen.parsed()) return loadgen.Run();
  if (promqltest->parsed()) {
    query::promql::test::PromqlTestOptions options;
    options.verbose = promqltest_verbose;
    const auto counts = query::promql::test::RunPromqlTestFiles(promqltest_files, std::cout, options);
    return counts.failed > 0 ? 1 : 0;
  }
  return serve.Run();
}

}  // namespace loupe::appliance::cli

// The `loupe` command line: subcommands `serve` (the default) and `version`.
#pragma once

namespace loupe::appliance::cli {

// Runs the command line; returns the process exit status.
int Main(int argc, char** argv);

}  // namespace loupe::appliance::cli

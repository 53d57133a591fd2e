// logqltest: data-driven tests of the LogQL engine, in a script format in the spirit of
// Prometheus's promqltest.
//
//   # comment
//   load [tenant <name>]            streams and entries (additive; `clear` drops everything)
//     {app="api", env="prod"}
//       0s level=info msg="started"
//       1m30s with {trace_id="abc"} {"level":"error"}     structured metadata
//       0+10sx5 latency={{i}}ms      0, 10s, ..., 50s; {{i}} is the repetition index
//       5s q"tab\there"              a Go-quoted line
//   eval logs [forward|backward] [limit N] [interval D] [categorize] from <t> to <t> <query>
//     {labels}                       expected streams, in order
//       <ts> <line>                  (categorize: <ts> md{a="b"} parsed{c="d"} <line>)
//   eval instant at <t> <query>
//     {labels} <value>               expected vector (as a set unless `expect ordered`)
//     <value>                        expected scalar
//   eval range from <t> to <t> step <d> <query>
//     {labels} <v1> <v2> _ ...       one value per step, `_` where absent
//   Under any eval: `expect fail`, `expect fail msg: <exact text>`,
//   `expect fail contains: <text>`, `expect ordered`, `expect empty`.
//
// Times are durations from the Unix epoch (`0`, `90s`, `1h5m`, `1500ms`, `7ns`).
// Values: floats, NaN, +Inf, -Inf; compared with a relative tolerance of 1e-9.
//
// Thread-safety: a Runner is used by one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/base/status.h"

namespace loupe::query::logql {

struct LogqlTestReport {
  int passed = 0;
  int failed = 0;
  std::vector<std::string> failures;  // "<file>:<line>: <query>: <what>"
};

// Runs one script. A malformed script is an error Status (with the line number).
Status RunLogqlTestScript(std::string_view name, std::string_view script, LogqlTestReport* report);
Status RunLogqlTestFile(const std::string& path, LogqlTestReport* report);

}  // namespace loupe::query::logql

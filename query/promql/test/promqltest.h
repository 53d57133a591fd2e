// A runner for Prometheus's promqltest `.test` files (format: Prometheus's
// promql/promqltest/README.md): `load <step>` / `load_with_nhcb <step>` blocks of series
// descriptions, `clear`, and `eval instant at <t> <query>` / `eval range from <t> to <t> step
// <d> <query>` followed by expected results and expectations:
//   expect fail|warn|info [msg: <text>|regex: <re>], expect no_warn|no_info|ordered,
//   expect string "<s>", expect range vector from <t> to <t> step <d>,
// and the deprecated eval_fail / eval_warn / eval_info / eval_ordered forms with
// expected_fail_message / expected_fail_regexp.
//
// Each `eval` is one case. As Prometheus's runner does, an instant case is also evaluated with
// every selector pinned by `@ <t>` at several other evaluation times, and as a range query
// around t (the result at t must match). Values compare with a relative tolerance of 1e-6.
//
// Native histograms are not supported by loupe: a case whose expected output contains a
// histogram, or whose query selects a series that holds native histogram samples (including
// the series `load_with_nhcb` derives), is counted as skipped.
//
// Thread-safety: RunPromqlTestFiles is reentrant; it uses its own storage and engine.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace loupe::query::promql::test {

struct PromqlTestCounts {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

struct PromqlTestOptions {
  // Print one line per file with its counts (the total line is always printed).
  bool per_file_summary = true;
  // Print passing and skipped cases too.
  bool verbose = false;
};

// Runs every case of every file, printing each failure as `<file>:<line>: <query>` followed by
// what was expected and what the engine returned, then `N passed, N failed, N skipped`.
// A file that cannot be read or parsed counts as one failed case.
PromqlTestCounts RunPromqlTestFiles(const std::vector<std::string>& paths, std::ostream& out,
                                    const PromqlTestOptions& options = {});

// Runs the cases of one test script given as text; `name` is used in messages.
PromqlTestCounts RunPromqlTestScript(const std::string& name, const std::string& content,
                                     std::ostream& out, const PromqlTestOptions& options = {});

}  // namespace loupe::query::promql::test

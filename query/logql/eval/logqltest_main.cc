// logqltest_runner FILE...: runs LogQL golden scripts (see logqltest.h) and prints each failure
// and a closing "N passed, N failed" line. Exit status 0 only when nothing failed.
#include <cstdio>

#include "query/logql/eval/logqltest.h"

int main(int argc, char** argv) {
  loupe::query::logql::LogqlTestReport report;
  int broken = 0;
  for (int i = 1; i < argc; ++i) {
    const loupe::Status s = loupe::query::logql::RunLogqlTestFile(argv[i], &report);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      ++broken;
    }
  }
  for (const auto& f : report.failures) std::printf("FAIL %s\n", f.c_str());
  std::printf("%d passed, %d failed\n", report.passed, report.failed + broken);
  return report.failed == 0 && broken == 0 ? 0 : 1;
}

// promqltest_runner FILE...: runs Prometheus promqltest files against loupe's engine (the
// `loupe promqltest` command calls the same library function). Exit status 1 if any case
// failed.
#include <cstring>
#include <iostream>

#include "query/promql/test/promqltest.h"

int main(int argc, char** argv) {
  loupe::query::promql::test::PromqlTestOptions options;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-v") == 0) {
      options.verbose = true;
    } else {
      paths.push_back(argv[i]);
    }
  }
  if (paths.empty()) {
    std::cerr << "usage: promqltest_runner [-v] FILE...\n";
    return 2;
  }
  const auto counts = loupe::query::promql::test::RunPromqlTestFiles(paths, std::cout, options);
  return counts.failed > 0 ? 1 : 0;
}

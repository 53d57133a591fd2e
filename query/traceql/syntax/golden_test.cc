// Golden cases in testdata/golden.txt. Each case is two lines (blank lines and lines starting
// with '#' between cases are ignored):
//   <query>
//   => <canonical print>        parses, validates, prints exactly so, and the print re-parses
//                               to the same print
//   !parse <message>            Parse fails with exactly this message
//   !validate <message>         parses (and round-trips); Validate fails: kInvalidArgument
//   !unsupported <message>      parses (and round-trips); Validate fails: kUnimplemented
// In a query, "\n" and "\t" stand for a newline and a tab.
// With LOUPE_GOLDEN_OUT=<file> set, the actual results are written there in the same format.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "query/traceql/syntax/parser.h"
#include "query/traceql/syntax/printer.h"
#include "query/traceql/syntax/validate.h"

namespace loupe::query::traceql {
namespace {

struct Case {
  int line = 0;
  std::string query;
  std::string expect;
};

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 't')) {
      out.push_back(s[i + 1] == 'n' ? '\n' : '\t');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<Case> LoadCases(const std::string& path) {
  std::ifstream in(path);
  std::vector<Case> cases;
  std::string line;
  int n = 0;
  Case pending;
  bool have_query = false;
  while (std::getline(in, line)) {
    ++n;
    if (!have_query) {
      if (line.empty() || line[0] == '#') continue;
      pending = Case{n, line, ""};
      have_query = true;
    } else {
      pending.expect = line;
      cases.push_back(pending);
      have_query = false;
    }
  }
  return cases;
}

// The result of running one query, in the golden file's expectation syntax.
std::string Actual(const std::string& raw_query) {
  const std::string query = Unescape(raw_query);
  auto parsed = Parse(query);
  if (!parsed.ok()) return "!parse " + parsed.status().message();
  const std::string printed = Print(*parsed);
  auto again = Parse(printed);
  if (!again.ok()) return "!roundtrip " + printed + " -> " + again.status().message();
  if (Print(*again) != printed) return "!roundtrip " + printed + " -> " + Print(*again);
  const Status v = Validate(*parsed);
  if (v.ok()) return "=> " + printed;
  if (v.code() == StatusCode::kUnimplemented) return "!unsupported " + v.message();
  return "!validate " + v.message();
}

TEST(TraceqlGoldenTest, AllCases) {
  const std::string path = std::string(LOUPE_TRACEQL_TESTDATA) + "/golden.txt";
  const std::vector<Case> cases = LoadCases(path);
  ASSERT_GE(cases.size(), 150u) << "golden file missing or short: " << path;
  std::ostringstream actual_file;
  int parse_ok = 0;
  for (const Case& c : cases) {
    const std::string actual = Actual(c.query);
    actual_file << c.query << "\n" << actual << "\n\n";
    EXPECT_EQ(actual, c.expect) << path << ":" << c.line << ": " << c.query;
    if (actual.rfind("!parse", 0) != 0) ++parse_ok;
  }
  // Both kinds of cases are present in quantity: the file is not all errors or all successes.
  EXPECT_GE(parse_ok, 100);
  EXPECT_GE(static_cast<int>(cases.size()) - parse_ok, 30);
  if (const char* out = std::getenv("LOUPE_GOLDEN_OUT")) {
    std::ofstream(out) << actual_file.str();
  }
}

}  // namespace
}  // namespace loupe::query::traceql

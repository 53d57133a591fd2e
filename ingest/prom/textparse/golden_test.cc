// Data-driven tests.
//
// testdata/golden/<name>.prom and <name>.om are inputs (Prometheus text / OpenMetrics); the
// parse of each is pinned by <name>.<ext>.golden: one line per entry as test_util.h prints it,
// then "eof" or "error: <message>". The OpenMetrics goldens include created= (the
// CreatedTimestampMs() of each series). Run with LOUPE_UPDATE_GOLDEN=1 to rewrite the goldens
// after a deliberate change, and review the diff.
//
// testdata/prom_errors.txt and om_errors.txt pin outcomes of small inputs: blocks of
//   in: <Go-quoted input>
//   out: <"eof" or the exact error message>
// separated by blank lines; lines starting with '#' are comments.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/prom/textparse/test_util.h"

namespace loupe::ingest::prom {
namespace {

namespace fs = std::filesystem;
using testing::FinalOutcome;
using testing::GoUnquote;
using testing::ParseAll;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path TestData() { return fs::path(LOUPE_TEXTPARSE_TESTDATA); }

void CheckGolden(const fs::path& input, ExpositionFormat format) {
  SCOPED_TRACE(input.filename().string());
  const std::string got =
      ParseAll(format, ReadFile(input), {}, format == ExpositionFormat::kOpenMetrics);
  fs::path golden = input;
  golden += ".golden";
  if (std::getenv("LOUPE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden, std::ios::binary) << got;
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " missing (run with LOUPE_UPDATE_GOLDEN=1)";
  const std::string want = ReadFile(golden);
  if (got == want) return;
  // Point at the first differing line.
  std::istringstream g(got), w(want);
  std::string gl, wl;
  for (int line = 1;; ++line) {
    const bool gm = static_cast<bool>(std::getline(g, gl));
    const bool wm = static_cast<bool>(std::getline(w, wl));
    if (!gm && !wm) break;
    if (gl != wl || gm != wm) {
      FAIL() << golden.filename() << ":" << line << "\n  want: " << (wm ? wl : "<end>")
             << "\n  got:  " << (gm ? gl : "<end>");
    }
  }
}

TEST(GoldenTest, PromTextFiles) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(TestData() / "golden")) {
    if (e.path().extension() == ".prom") {
      CheckGolden(e.path(), ExpositionFormat::kPromText);
      ++n;
    }
  }
  EXPECT_GE(n, 4);
}

TEST(GoldenTest, OpenMetricsFiles) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(TestData() / "golden")) {
    if (e.path().extension() == ".om") {
      CheckGolden(e.path(), ExpositionFormat::kOpenMetrics);
      ++n;
    }
  }
  EXPECT_GE(n, 6);
}

struct OutcomeCase {
  int line;
  std::string input;
  std::string want;
};

std::vector<OutcomeCase> LoadOutcomes(const std::string& name) {
  std::vector<OutcomeCase> cases;
  std::istringstream in(ReadFile(TestData() / name));
  std::string l;
  int line_no = 0;
  while (std::getline(in, l)) {
    ++line_no;
    if (l.empty() || l[0] == '#') continue;
    if (l.rfind("in: ", 0) == 0) {
      OutcomeCase c{line_no, "", ""};
      EXPECT_TRUE(GoUnquote(l.substr(4), &c.input)) << name << ":" << line_no;
      cases.push_back(c);
    } else if (l.rfind("out: ", 0) == 0 && !cases.empty()) {
      cases.back().want = l.substr(5);
    } else {
      ADD_FAILURE() << name << ":" << line_no << ": unexpected line: " << l;
    }
  }
  return cases;
}

void CheckOutcomes(const std::string& name, ExpositionFormat format) {
  const std::vector<OutcomeCase> cases = LoadOutcomes(name);
  EXPECT_GE(cases.size(), 20u);
  for (const OutcomeCase& c : cases) {
    EXPECT_EQ(FinalOutcome(format, c.input), c.want) << name << ":" << c.line;
  }
}

TEST(GoldenTest, PromTextOutcomes) {
  CheckOutcomes("prom_errors.txt", ExpositionFormat::kPromText);
}

TEST(GoldenTest, OpenMetricsOutcomes) {
  CheckOutcomes("om_errors.txt", ExpositionFormat::kOpenMetrics);
}

}  // namespace
}  // namespace loupe::ingest::prom

// Data-driven parser tests: testdata/*.txt hold cases, each an input query and either its
// canonical print or the exact error Loki returns, or (in pretty files) its format_query output.
//
// Format (one case per block, blocks separated by blank lines):
//   # comment
//   > {app="foo"} |= "x"          query line (several '>' lines join with "\n")
//   >> {app="\xff"}               query line with escapes (\n \t \\ \xNN)
//   = {app="foo"} |= "x"          expected canonical print (Print)
//   ! parse error at line ...     expected error (ParseExpr)
//   ~ line                        expected Pretty output line (several lines join with "\n")
//   %max 20                       (directive) max chars per line for the following ~ cases
//   %novalidate                   (directive) following cases use ParseExprWithoutValidation
// Every successful case is also checked for round-trip stability: Print(Parse(Print(q))) ==
// Print(q).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "query/logql/syntax/parser.h"
#include "query/logql/syntax/printer.h"

namespace loupe::query::logql {
namespace {

struct Case {
  std::string file;
  int line = 0;
  std::string input;
  std::optional<std::string> print, error, pretty;
  size_t max_chars = kDefaultMaxCharsPerLine;
  bool validate = true;
};

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char e = s[++i];
    if (e == 'n')
      out.push_back('\n');
    else if (e == 't')
      out.push_back('\t');
    else if (e == 'r')
      out.push_back('\r');
    else if (e == 'x' && i + 2 < s.size() + 1) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(e);
    }
  }
  return out;
}

std::vector<Case> LoadCases(const std::filesystem::path& path) {
  std::vector<Case> cases;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  size_t max_chars = kDefaultMaxCharsPerLine;
  bool validate = true;
  Case cur;
  bool open = false;
  auto flush = [&] {
    if (open) cases.push_back(cur);
    open = false;
  };
  auto append = [](std::optional<std::string>* field, std::string_view text) {
    if (*field) {
      **field += "\n";
    } else {
      *field = "";
    }
    **field += text;
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    if (line.rfind("%max ", 0) == 0) {
      max_chars = std::stoul(line.substr(5));
      continue;
    }
    if (line == "%novalidate") {
      validate = false;
      continue;
    }
    const bool escaped = line.rfind(">>", 0) == 0;
    if (line[0] == '>') {
      if (open && (cur.print || cur.error || cur.pretty)) flush();
      const std::string text = line.substr(escaped ? 2 : 1);
      const std::string body = text.empty() || text[0] != ' ' ? text : text.substr(1);
      if (!open) {
        cur = Case{path.filename().string(), n, "", {}, {}, {}, max_chars, validate};
        open = true;
        cur.input = escaped ? Unescape(body) : body;
      } else {
        cur.input += "\n" + (escaped ? Unescape(body) : body);
      }
      continue;
    }
    const std::string rest = line.size() > 2 ? line.substr(2) : "";
    if (line[0] == '=')
      append(&cur.print, rest);
    else if (line[0] == '!')
      append(&cur.error, rest);
    else if (line[0] == '~')
      append(&cur.pretty, rest);
    else
      ADD_FAILURE() << path << ":" << n << ": unrecognised line";
  }
  flush();
  return cases;
}

std::vector<Case> AllCases() {
  std::vector<Case> all;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(LOUPE_LOGQL_TESTDATA)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto cases = LoadCases(f);
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

void RunCase(const Case& c) {
  auto parsed = c.validate ? ParseExpr(c.input) : ParseExprWithoutValidation(c.input);
  ASSERT_TRUE(c.print || c.error || c.pretty) << "case without expectation";
  if (c.error) {
    ASSERT_FALSE(parsed.ok()) << "parsed as: " << Print(**parsed);
    EXPECT_EQ(parsed.status().message(), *c.error);
    return;
  }
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const std::string printed = Print(**parsed);
  if (c.print) {
    EXPECT_EQ(printed, *c.print);
  }
  if (c.pretty) {
    EXPECT_EQ(Pretty(**parsed, c.max_chars), *c.pretty);
  }
  if (!PrintRoundTrips(**parsed)) return;  // Loki's unreadable forms ("NaN", "0B")
  auto again = ParseExprWithoutValidation(printed);
  ASSERT_TRUE(again.ok()) << "canonical form does not parse: " << printed << ": "
                          << again.status().message();
  EXPECT_EQ(Print(**again), printed) << "canonical form is not stable";
}

TEST(LogqlGoldenTest, AllCases) {
  const auto cases = AllCases();
  int checked = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file + ":" + std::to_string(c.line) + ": " + c.input);
    ++checked;
    RunCase(c);
  }
  // The suite is meant to be broad; guard against files silently going missing.
  EXPECT_GE(checked, 200);
}

}  // namespace
}  // namespace loupe::query::logql

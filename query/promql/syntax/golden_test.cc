// Data-driven tests: testdata/parse.txt pins what the parser accepts, how it prints back and
// the exact error for what it rejects; testdata/pretty.txt pins the prettifier. The file
// formats are described at the top of each file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "query/promql/syntax/go_text.h"
#include "query/promql/syntax/parser.h"
#include "query/promql/syntax/printer.h"

namespace loupe::query::promql {
namespace {

std::vector<std::string> ReadLines(const std::string& name) {
  std::ifstream in(std::string(LOUPE_PROMQL_TESTDATA) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

struct ParseCase {
  int line = 0;
  std::string input;
  std::string out;  // expected print, when the query is valid
  std::string err;  // expected error, when it is not
  std::string type;
};

std::vector<ParseCase> LoadParseCases() {
  std::vector<ParseCase> cases;
  const std::vector<std::string> lines = ReadLines("parse.txt");
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    const int line_no = static_cast<int>(i) + 1;
    if (l.empty() || l[0] == '#') continue;
    if (l.rfind("in: ", 0) == 0) {
      cases.push_back({line_no, l.substr(4), "", "", ""});
    } else if (l.rfind("inq: ", 0) == 0) {
      std::string input;
      EXPECT_TRUE(UnquotePromQL(l.substr(5), &input)) << "parse.txt:" << line_no;
      cases.push_back({line_no, input, "", "", ""});
    } else if (cases.empty()) {
      ADD_FAILURE() << "parse.txt:" << line_no << ": expectation before any input";
    } else if (l.rfind("out: ", 0) == 0) {
      cases.back().out = l.substr(5);
    } else if (l.rfind("err: ", 0) == 0) {
      cases.back().err = l.substr(5);
    } else if (l.rfind("type: ", 0) == 0) {
      cases.back().type = l.substr(6);
    } else {
      ADD_FAILURE() << "parse.txt:" << line_no << ": unknown line: " << l;
    }
  }
  return cases;
}

TEST(PromqlGoldenTest, ParseCases) {
  const std::vector<ParseCase> cases = LoadParseCases();
  int valid = 0;
  int invalid = 0;
  for (const ParseCase& c : cases) {
    SCOPED_TRACE("parse.txt:" + std::to_string(c.line) + ": " + c.input);
    ASSERT_NE(c.out.empty(), c.err.empty()) << "a case needs exactly one of out: / err:";
    auto parsed = ParseExpr(c.input);
    if (!c.err.empty()) {
      ++invalid;
      ASSERT_FALSE(parsed.ok()) << "parsed as " << Print(**parsed);
      EXPECT_EQ(parsed.status().message(), c.err);
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    ++valid;
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(Print(**parsed), c.out);
    if (!c.type.empty()) {
      EXPECT_EQ(DocumentedType((*parsed)->Type()), c.type);
    }
  }
  // The file is the specification; make sure it stays substantial.
  EXPECT_GE(valid, 200);
  EXPECT_GE(invalid, 150);
}

// parse -> print -> parse -> print: the second print equals the first and both trees are
// equal; the pretty form parses back to the same tree too.
TEST(PromqlGoldenTest, RoundTrip) {
  int checked = 0;
  for (const ParseCase& c : LoadParseCases()) {
    if (c.out.empty()) continue;
    SCOPED_TRACE("parse.txt:" + std::to_string(c.line) + ": " + c.input);
    auto first = ParseExpr(c.input);
    ASSERT_TRUE(first.ok()) << first.status().message();
    const std::string printed = Print(**first);
    auto second = ParseExpr(printed);
    ASSERT_TRUE(second.ok()) << printed << ": " << second.status().message();
    EXPECT_EQ(Print(**second), printed);
    EXPECT_TRUE(ExprEqual(**first, **second)) << printed;
    for (int width : {kPrettyMaxWidth, 10, 1}) {
      const std::string pretty = Pretty(**first, width);
      auto third = ParseExpr(pretty);
      ASSERT_TRUE(third.ok()) << pretty << "\n" << third.status().message();
      EXPECT_TRUE(ExprEqual(**first, **third)) << pretty;
    }
    ++checked;
  }
  EXPECT_GE(checked, 200);
}

TEST(PromqlGoldenTest, PrettyCases) {
  const std::vector<std::string> lines = ReadLines("pretty.txt");
  int width = kPrettyMaxWidth;
  int cases = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty() || l[0] == '#') continue;
    if (l.rfind("width: ", 0) == 0) {
      width = std::stoi(l.substr(7));
      continue;
    }
    ASSERT_EQ(l.rfind("in: ", 0), 0u) << "pretty.txt:" << i + 1 << ": expected in:";
    const std::string input = l.substr(4);
    const size_t in_line = i + 1;
    std::string expected;
    for (++i; i < lines.size() && lines[i] != "==="; ++i) {
      if (!expected.empty()) expected += "\n";
      expected += lines[i];
    }
    ASSERT_LT(i, lines.size()) << "pretty.txt:" << in_line << ": missing ===";
    SCOPED_TRACE("pretty.txt:" + std::to_string(in_line) + ": " + input);
    auto parsed = ParseExpr(input);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(Pretty(**parsed, width), expected);
    ++cases;
  }
  EXPECT_GE(cases, 30);
}

}  // namespace
}  // namespace loupe::query::promql

#include "query/logql/syntax/lexer.h"

#include <gtest/gtest.h>

#include <vector>

namespace loupe::query::logql {
namespace {

std::vector<Token> LexAll(std::string_view q) {
  Lexer lx(q);
  std::vector<Token> out;
  for (;;) {
    Token t = lx.Next();
    if (t.type == Tok::kEnd) break;
    out.push_back(t);
  }
  return out;
}

std::vector<Tok> Types(std::string_view q) {
  std::vector<Tok> out;
  for (const Token& t : LexAll(q)) out.push_back(t.type);
  return out;
}

TEST(LogqlLexerTest, SelectorAndFilters) {
  EXPECT_EQ(Types(R"({a="b", c=~"d"} |= "x" != "y" |~ "z" !~ "w" |> "p" !> "q")"),
            (std::vector<Tok>{Tok::kOpenBrace,  Tok::kIdentifier,  Tok::kEq,     Tok::kString,
                              Tok::kComma,      Tok::kIdentifier,  Tok::kRe,     Tok::kString,
                              Tok::kCloseBrace, Tok::kPipeExact,   Tok::kString, Tok::kNeq,
                              Tok::kString,     Tok::kPipeMatch,   Tok::kString, Tok::kNre,
                              Tok::kString,     Tok::kPipePattern, Tok::kString, Tok::kNpa,
                              Tok::kString}));
}

TEST(LogqlLexerTest, FunctionNamesOnlyBeforeParenOrGrouping) {
  EXPECT_EQ(Types("rate("), (std::vector<Tok>{Tok::kRate, Tok::kOpenParen}));
  EXPECT_EQ(Types("sum by (a) ("),
            (std::vector<Tok>{Tok::kSum, Tok::kBy, Tok::kOpenParen, Tok::kIdentifier,
                              Tok::kCloseParen, Tok::kOpenParen}));
  EXPECT_EQ(Types("count=\"1\""), (std::vector<Tok>{Tok::kIdentifier, Tok::kEq, Tok::kString}));
  EXPECT_EQ(Types("bytes [5m]")[0], Tok::kIdentifier);
  EXPECT_EQ(Types("ip (")[0], Tok::kIp);
  EXPECT_EQ(Types("ip")[0], Tok::kIdentifier);
  EXPECT_EQ(Types("SUM WITHOUT(")[0], Tok::kSum);
}

TEST(LogqlLexerTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(
      Types("JSON Logfmt BY and OR unless"),
      (std::vector<Tok>{Tok::kJson, Tok::kLogfmt, Tok::kBy, Tok::kAnd, Tok::kOr, Tok::kUnless}));
}

TEST(LogqlLexerTest, NumbersDurationsBytesRanges) {
  auto t = LexAll("5 1.5 1m30s 250ms -5m 20MB 1.5MiB [5m] --strict --keep-empty 0.99,");
  ASSERT_EQ(t.size(), 12u);
  EXPECT_EQ(t[0].type, Tok::kNumber);
  EXPECT_EQ(t[0].text, "5");
  EXPECT_EQ(t[1].type, Tok::kNumber);
  EXPECT_EQ(t[2].type, Tok::kDuration);
  EXPECT_EQ(t[2].nanos, 90'000'000'000);
  EXPECT_EQ(t[3].nanos, 250'000'000);
  EXPECT_EQ(t[4].type, Tok::kDuration);
  EXPECT_EQ(t[4].nanos, -300'000'000'000);
  EXPECT_EQ(t[5].type, Tok::kBytes);
  EXPECT_EQ(t[5].bytes, 20'000'000u);
  EXPECT_EQ(t[6].bytes, 1572864u);
  EXPECT_EQ(t[7].type, Tok::kRange);
  EXPECT_EQ(t[7].nanos, 300'000'000'000);
  EXPECT_EQ(t[8].type, Tok::kParserFlag);
  EXPECT_EQ(t[8].text, "--strict");
  EXPECT_EQ(t[9].text, "--keep-empty");
  EXPECT_EQ(t[10].type, Tok::kNumber);  // "0.99" stops at the comma
  EXPECT_EQ(t[11].type, Tok::kComma);
}

TEST(LogqlLexerTest, StringsAreUnquoted) {
  auto t = LexAll(R"("a\"b\n\x41\u00e9" `raw\n`)");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].text, "a\"b\nA\xC3\xA9");
  EXPECT_EQ(t[1].text, "raw\\n");
}

TEST(LogqlLexerTest, PositionsFollowLoki) {
  auto t = LexAll("{a=\"b\"}\n  |= \"x\"\n\u00e9t\u00e9");
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].offset, 0u);
  EXPECT_EQ(t[0].line, 1);
  EXPECT_EQ(t[0].col, 1);
  EXPECT_EQ(t[5].type, Tok::kPipeExact);
  EXPECT_EQ(t[5].line, 0);  // invalidated after a two-character operator, as in Loki
  EXPECT_EQ(t[5].col, 3);
  EXPECT_EQ(t[6].line, 2);
  EXPECT_EQ(t[6].col, 6);
  EXPECT_EQ(t[7].type, Tok::kIdentifier);
  EXPECT_EQ(t[7].line, 3);
  EXPECT_EQ(t[7].col, 1);
  EXPECT_EQ(t[7].text, "\u00e9t\u00e9");
}

TEST(LogqlLexerTest, CommentsAreSkipped) {
  EXPECT_EQ(Types("{a=\"b\"} # x |= \"y\"\n| json // z\n/* w */"),
            (std::vector<Tok>{Tok::kOpenBrace, Tok::kIdentifier, Tok::kEq, Tok::kString,
                              Tok::kCloseBrace, Tok::kPipe, Tok::kJson}));
}

TEST(LogqlLexerTest, UnknownCharactersAreIdentifiers) {
  auto t = LexAll("@ ; !");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].type, Tok::kIdentifier);
  EXPECT_EQ(t[0].text, "@");
  EXPECT_EQ(t[2].text, "!");
}

TEST(LogqlLexerTest, ErrorsStopTheStream) {
  Lexer lx("{a=\"b} x");
  EXPECT_EQ(lx.Next().type, Tok::kOpenBrace);
  EXPECT_EQ(lx.Next().type, Tok::kIdentifier);
  EXPECT_EQ(lx.Next().type, Tok::kEq);
  EXPECT_EQ(lx.Next().type, Tok::kEnd);
  ASSERT_NE(lx.error(), nullptr);
  EXPECT_EQ(lx.error()->message, "literal not terminated");
  EXPECT_EQ(lx.error()->col, 4);

  Lexer range("[5x]");
  EXPECT_EQ(range.Next().type, Tok::kEnd);
  ASSERT_NE(range.error(), nullptr);
  EXPECT_EQ(range.error()->message, "unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(range.error()->line, 0);
  EXPECT_EQ(range.error()->col, 1);
}

TEST(LogqlLexerTest, TokenNames) {
  EXPECT_EQ(TokName(Tok::kEnd), "$end");
  EXPECT_EQ(TokName(Tok::kIdentifier), "IDENTIFIER");
  EXPECT_EQ(TokName(Tok::kSum), "SUM");
  EXPECT_EQ(TokName(Tok::kLabelReplace), "label_replace");
  EXPECT_EQ(TokName(Tok::kNeq), "!=");
  EXPECT_EQ(TokName(Tok::kBytesConv), "BYTES_CONV");
  EXPECT_EQ(TokName(Tok::kIp), "ip");
}

}  // namespace
}  // namespace loupe::query::logql

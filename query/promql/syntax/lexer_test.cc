#include "query/promql/syntax/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace loupe::query::promql {
namespace {

using T = TokenType;

struct Lexed {
  TokenType type;
  int32_t pos;
  std::string text;  // error message for kError
  friend bool operator==(const Lexed&, const Lexed&) = default;
};

std::ostream& operator<<(std::ostream& os, const Lexed& l) {
  return os << "{" << static_cast<int>(l.type) << ", " << l.pos << ", \"" << l.text << "\"}";
}

// All tokens up to and including the first kEof or kError.
std::vector<Lexed> LexAll(std::string_view input) {
  Lexer lexer(input);
  std::vector<Lexed> out;
  for (int i = 0; i < 1000; ++i) {
    Token t = lexer.Next();
    out.push_back({t.type, t.pos, t.type == T::kError ? t.error : std::string(t.text)});
    if (t.type == T::kEof || t.type == T::kError) break;
  }
  return out;
}

TEST(PromqlLexerTest, SelectorAndOperators) {
  EXPECT_EQ(LexAll(R"(foo{a="b", c!~'d'} + 1)"), (std::vector<Lexed>{{T::kIdentifier, 0, "foo"},
                                                                     {T::kLeftBrace, 3, "{"},
                                                                     {T::kIdentifier, 4, "a"},
                                                                     {T::kAssign, 5, "="},
                                                                     {T::kString, 6, "\"b\""},
                                                                     {T::kComma, 9, ","},
                                                                     {T::kIdentifier, 11, "c"},
                                                                     {T::kNeqRegex, 12, "!~"},
                                                                     {T::kString, 14, "'d'"},
                                                                     {T::kRightBrace, 17, "}"},
                                                                     {T::kAdd, 19, "+"},
                                                                     {T::kNumber, 21, "1"},
                                                                     {T::kEof, 22, ""}}));
}

TEST(PromqlLexerTest, AllOperators) {
  std::vector<TokenType> types;
  for (const Lexed& l : LexAll("+ - * / % ^ == != < <= > >= and or unless atan2 @ = ,")) {
    types.push_back(l.type);
  }
  EXPECT_EQ(types, (std::vector<TokenType>{T::kAdd,   T::kSub,  T::kMul,    T::kDiv,   T::kMod,
                                           T::kPow,   T::kEqlc, T::kNeq,    T::kLss,   T::kLte,
                                           T::kGtr,   T::kGte,  T::kLand,   T::kLor,   T::kLunless,
                                           T::kAtan2, T::kAt,   T::kAssign, T::kComma, T::kEof}));
}

TEST(PromqlLexerTest, KeywordsAreCaseInsensitiveOutsideBraces) {
  auto lexed = LexAll("SUM By offset Inf nan group_left on{by=\"x\"}");
  std::vector<TokenType> types;
  for (const Lexed& l : lexed) types.push_back(l.type);
  EXPECT_EQ(types, (std::vector<TokenType>{T::kSum, T::kBy, T::kOffset, T::kNumber, T::kNumber,
                                           T::kGroupLeft, T::kOn, T::kLeftBrace, T::kIdentifier,
                                           T::kAssign, T::kString, T::kRightBrace, T::kEof}));
  EXPECT_EQ(lexed[0].text, "SUM");  // the source text is kept
}

TEST(PromqlLexerTest, MetricIdentifiers) {
  auto lexed = LexAll("a:b :c rate_5m");
  EXPECT_EQ(lexed[0].type, T::kMetricIdentifier);
  EXPECT_EQ(lexed[1].type, T::kMetricIdentifier);
  EXPECT_EQ(lexed[1].text, ":c");
  EXPECT_EQ(lexed[2].type, T::kIdentifier);
}

TEST(PromqlLexerTest, NumbersAndDurations) {
  struct Case {
    const char* input;
    TokenType type;
  };
  for (const Case& c :
       {Case{"1", T::kNumber}, Case{"1.5", T::kNumber}, Case{".5", T::kNumber},
        Case{"5.", T::kNumber}, Case{"1e-3", T::kNumber}, Case{"0x1F", T::kNumber},
        Case{"1_000", T::kNumber}, Case{"5m", T::kDuration}, Case{"1h30m", T::kDuration},
        Case{"500ms", T::kDuration}, Case{"1y2w3d", T::kDuration}}) {
    auto lexed = LexAll(c.input);
    ASSERT_EQ(lexed.size(), 2u) << c.input;
    EXPECT_EQ(lexed[0].type, c.type) << c.input;
    EXPECT_EQ(lexed[0].text, c.input);
  }
  EXPECT_EQ(LexAll("5mm")[0], (Lexed{T::kError, 0, R"(bad number or duration syntax: "5mm")"}));
  EXPECT_EQ(LexAll("2.5.")[0], (Lexed{T::kError, 0, R"(bad number or duration syntax: "2.5.")"}));
}

TEST(PromqlLexerTest, BracketsExpectDurations) {
  EXPECT_EQ(LexAll("x[ 5m:1m]"), (std::vector<Lexed>{{T::kIdentifier, 0, "x"},
                                                     {T::kLeftBracket, 1, "["},
                                                     {T::kDuration, 3, "5m"},
                                                     {T::kColon, 5, ":"},
                                                     {T::kDuration, 6, "1m"},
                                                     {T::kRightBracket, 8, "]"},
                                                     {T::kEof, 9, ""}}));
  EXPECT_EQ(LexAll("x[]").back(), (Lexed{T::kError, 2, R"(bad number or duration syntax: "")"}));
  EXPECT_EQ(LexAll("x[5m x]").back(),
            (Lexed{T::kError, 5, "unexpected character: 'x', expected ':'"}));
  EXPECT_EQ(LexAll("x[5m::]").back(), (Lexed{T::kError, 5, "unexpected colon ':'"}));
  EXPECT_EQ(LexAll("x[5m[").back(), (Lexed{T::kError, 4, "unexpected left bracket '['"}));
  EXPECT_EQ(LexAll("x[5m").back(), (Lexed{T::kError, 4, "unclosed left bracket"}));
  EXPECT_EQ(LexAll("x]").back(), (Lexed{T::kError, 1, "unexpected right bracket ']'"}));
}

TEST(PromqlLexerTest, Parentheses) {
  EXPECT_EQ(LexAll("((").back(), (Lexed{T::kError, 2, "unclosed left parenthesis"}));
  // The position is after the offending ')', as in Prometheus.
  EXPECT_EQ(LexAll("())").back(), (Lexed{T::kError, 3, "unexpected right parenthesis ')'"}));
}

TEST(PromqlLexerTest, Strings) {
  EXPECT_EQ(LexAll(R"("a\"b" 'c\'d' `e\f`)").size(), 4u);
  EXPECT_EQ(LexAll(R"("\u00e9\x41\101\U0001F600")")[0].type, T::kString);
  EXPECT_EQ(LexAll("\"abc")[0], (Lexed{T::kError, 0, "unterminated quoted string"}));
  EXPECT_EQ(LexAll("\"a\nb\"")[0], (Lexed{T::kError, 0, "unterminated quoted string"}));
  EXPECT_EQ(LexAll("`abc")[0], (Lexed{T::kError, 0, "unterminated raw string"}));
  EXPECT_EQ(LexAll("`a\nb`")[0].type, T::kString);
  EXPECT_EQ(LexAll(R"("\q")")[0], (Lexed{T::kError, 0, "unknown escape sequence U+0071 'q'"}));
  EXPECT_EQ(LexAll(R"("\x4")")[0],
            (Lexed{T::kError, 0, "illegal character U+0022 '\"' in escape sequence"}));
  EXPECT_EQ(LexAll(R"("\777")")[0],
            (Lexed{T::kError, 0, "escape sequence is an invalid Unicode code point"}));
  EXPECT_EQ(LexAll("\"\xff\"")[0], (Lexed{T::kError, 0, "invalid UTF-8 rune"}));
  EXPECT_EQ(LexAll("'\\\"'")[0], (Lexed{T::kError, 0, "unknown escape sequence U+0022 '\"'"}));
}

TEST(PromqlLexerTest, InsideBraces) {
  EXPECT_EQ(LexAll("{a=~\"x\",b!=\"y\"}").size(), 10u);
  EXPECT_EQ(LexAll("{a:b}").back(),
            (Lexed{T::kError, 2, "unexpected character inside braces: ':'"}));
  EXPECT_EQ(LexAll("{a!b}").back(),
            (Lexed{T::kError, 2, "unexpected character after '!' inside braces: 'b'"}));
  EXPECT_EQ(LexAll("{{").back(), (Lexed{T::kError, 1, "unexpected left brace '{'"}));
  EXPECT_EQ(LexAll("{a").back(), (Lexed{T::kError, 2, "unexpected end of input inside braces"}));
}

TEST(PromqlLexerTest, Comments) {
  auto lexed = LexAll("foo # one\n+ # two\nbar");
  std::vector<TokenType> types;
  for (const Lexed& l : lexed) types.push_back(l.type);
  EXPECT_EQ(types, (std::vector<TokenType>{T::kIdentifier, T::kComment, T::kAdd, T::kComment,
                                           T::kIdentifier, T::kEof}));
  EXPECT_EQ(lexed[1].text, "# one");
}

TEST(PromqlLexerTest, UnexpectedCharacters) {
  EXPECT_EQ(LexAll("}")[0], (Lexed{T::kError, 0, "unexpected character: '}'"}));
  EXPECT_EQ(LexAll("a ! b").back(), (Lexed{T::kError, 2, "unexpected character after '!': ' '"}));
  EXPECT_EQ(LexAll("a =~ b").back(), (Lexed{T::kError, 2, "unexpected character after '=': '~'"}));
  EXPECT_EQ(LexAll("\x01")[0], (Lexed{T::kError, 0, "unexpected character: '\\x01'"}));
  EXPECT_EQ(LexAll("\xc3")[0], (Lexed{T::kError, 0, "unexpected character: '\xef\xbf\xbd'"}));
}

TEST(PromqlLexerTest, AfterAnErrorOnlyEof) {
  Lexer lexer("} foo");
  EXPECT_EQ(lexer.Next().type, T::kError);
  EXPECT_EQ(lexer.Next().type, T::kEof);
  EXPECT_EQ(lexer.Next().type, T::kEof);
}

TEST(PromqlLexerTest, TokenDescriptions) {
  auto describe = [](std::string_view input) {
    Lexer lexer(input);
    return TokenDescription(lexer.Next());
  };
  EXPECT_EQ(describe(""), "end of input");
  EXPECT_EQ(describe("foo"), "identifier \"foo\"");
  EXPECT_EQ(describe("a:b"), "metric identifier \"a:b\"");
  EXPECT_EQ(describe("*"), "<op:*>");
  EXPECT_EQ(describe("and"), "<op:and>");
  EXPECT_EQ(describe("@"), "<op:@>");
  EXPECT_EQ(describe("sum"), "<aggr:sum>");
  EXPECT_EQ(describe("BY"), "<BY>");
  EXPECT_EQ(describe("("), "\"(\"");
  EXPECT_EQ(describe("start"), "\"start\"");
  EXPECT_EQ(describe("12"), "number \"12\"");
  EXPECT_EQ(describe("5m"), "duration \"5m\"");
  EXPECT_EQ(describe("\"a\""), R"(string "\"a\"")");
  EXPECT_EQ(describe("\"a long string\""), R"(string "\"a long st"...)");
}

}  // namespace
}  // namespace loupe::query::promql

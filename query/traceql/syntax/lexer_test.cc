#include "query/traceql/syntax/lexer.h"

#include <gtest/gtest.h>

namespace loupe::query::traceql {
namespace {

std::vector<Token> Lex(std::string_view q) {
  auto r = Tokenize(q);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(r).value() : std::vector<Token>{};
}

std::vector<Tok> Kinds(std::string_view q) {
  std::vector<Tok> out;
  for (const Token& t : Lex(q)) out.push_back(t.kind);
  return out;
}

TEST(TraceqlLexerTest, OperatorsMatchLongestFirst) {
  EXPECT_EQ(
      Kinds("!>> !<< &>> &<< != !~ !> !< =~ >= >> <= << && &> &< &~ || = ! > < | ~"),
      (std::vector<Tok>{
          Tok::kNotDesc,     Tok::kNotAnce,   Tok::kUnionDesc, Tok::kUnionAnce, Tok::kNeq,
          Tok::kNre,         Tok::kNotChild,  Tok::kNotParent, Tok::kRe,        Tok::kGte,
          Tok::kDesc,        Tok::kLte,       Tok::kAnce,      Tok::kAnd,       Tok::kUnionChild,
          Tok::kUnionParent, Tok::kUnionSibl, Tok::kOr,        Tok::kEq,        Tok::kNot,
          Tok::kGt,          Tok::kLt,        Tok::kPipe,      Tok::kTilde,     Tok::kEnd}));
  // `==` is two `=` tokens, which the parser then rejects.
  EXPECT_EQ(Kinds("=="), (std::vector<Tok>{Tok::kEq, Tok::kEq, Tok::kEnd}));
}

TEST(TraceqlLexerTest, NumbersAndDurations) {
  const auto t = Lex("1 1.5 .5 2e6 1s 1.5ms 1h30m 2d 10us 10\xC2\xB5s 3ns 10x");
  ASSERT_EQ(t.size(), 14u);
  EXPECT_EQ(t[0].kind, Tok::kInt);
  EXPECT_EQ(t[0].int_value, 1);
  EXPECT_EQ(t[1].kind, Tok::kFloat);
  EXPECT_DOUBLE_EQ(t[1].float_value, 1.5);
  EXPECT_EQ(t[2].kind, Tok::kFloat);
  EXPECT_DOUBLE_EQ(t[2].float_value, 0.5);
  EXPECT_EQ(t[3].kind, Tok::kFloat);
  EXPECT_DOUBLE_EQ(t[3].float_value, 2e6);
  EXPECT_EQ(t[4].kind, Tok::kDuration);
  EXPECT_EQ(t[4].int_value, 1000000000);
  EXPECT_EQ(t[5].int_value, 1500000);
  EXPECT_EQ(t[6].int_value, 5400LL * 1000000000);
  EXPECT_EQ(t[7].int_value, 2LL * 86400 * 1000000000);
  EXPECT_EQ(t[8].int_value, 10000);
  EXPECT_EQ(t[9].int_value, 10000);
  EXPECT_EQ(t[10].int_value, 3);
  // "10x" is a number followed by an identifier, not a duration.
  EXPECT_EQ(t[11].kind, Tok::kInt);
  EXPECT_EQ(t[12].kind, Tok::kIdent);
  EXPECT_EQ(t[12].text, "x");
}

TEST(TraceqlLexerTest, NumberFollowedByNonUnitRunIsNotADuration) {
  // "1m5" is not a valid duration: 1 then the identifier m5 (as Tempo's lexer does).
  const auto t = Lex("1m5");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].kind, Tok::kInt);
  EXPECT_EQ(t[1].kind, Tok::kIdent);
  EXPECT_EQ(t[1].text, "m5");
}

TEST(TraceqlLexerTest, Strings) {
  const auto t = Lex(R"("a\"b\n\t\u00e9\x41\101" `raw \n "x"`)");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].kind, Tok::kString);
  EXPECT_EQ(t[0].text,
            "a\"b\n\t\xC3\xA9"
            "AA");
  EXPECT_EQ(t[1].kind, Tok::kString);
  EXPECT_EQ(t[1].text, R"(raw \n "x")");
}

TEST(TraceqlLexerTest, AttributesAreSingleTokens) {
  const auto t =
      Lex(".a span.http.status_code resource.service.name event.x link.y instrumentation.z "
          "parent.p parent.span.q parent.resource.r .a-b/c:d");
  ASSERT_EQ(t.size(), 11u);
  const struct {
    AttributeScope scope;
    bool parent;
    const char* name;
  } want[] = {
      {AttributeScope::kNone, false, "a"},
      {AttributeScope::kSpan, false, "http.status_code"},
      {AttributeScope::kResource, false, "service.name"},
      {AttributeScope::kEvent, false, "x"},
      {AttributeScope::kLink, false, "y"},
      {AttributeScope::kInstrumentation, false, "z"},
      {AttributeScope::kNone, true, "p"},
      {AttributeScope::kSpan, true, "q"},
      {AttributeScope::kResource, true, "r"},
      {AttributeScope::kNone, false, "a-b/c:d"},
  };
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(t[i].kind, Tok::kAttribute) << i;
    EXPECT_EQ(t[i].scope, want[i].scope) << i;
    EXPECT_EQ(t[i].parent, want[i].parent) << i;
    EXPECT_EQ(t[i].text, want[i].name) << i;
  }
}

TEST(TraceqlLexerTest, AttributeNamesStopAtOperatorsAndMayBeQuoted) {
  const auto t = Lex(R"(.a=1 ."foo bar".x span."a\"b\\c" .x"y z"w)");
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[0].text, "a");
  EXPECT_EQ(t[1].kind, Tok::kEq);
  EXPECT_EQ(t[3].text, "foo bar.x");
  EXPECT_EQ(t[4].text, "a\"b\\c");
  EXPECT_EQ(t[5].text, "xy zw");
}

TEST(TraceqlLexerTest, EmptyAttributeAndScopedIntrinsics) {
  const auto t = Lex(". span. span:name trace:rootService event:timeSinceStart");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[0].kind, Tok::kEmptyAttribute);
  EXPECT_EQ(t[1].kind, Tok::kEmptyAttribute);
  EXPECT_EQ(t[2].kind, Tok::kScopedIntrinsic);
  EXPECT_EQ(t[2].text, "span:name");
  EXPECT_EQ(t[3].text, "trace:rootService");
  EXPECT_EQ(t[4].text, "event:timeSinceStart");
}

TEST(TraceqlLexerTest, KeywordsAndIdentifiers) {
  EXPECT_EQ(Kinds("status ok kind server rate by with foo"),
            (std::vector<Tok>{Tok::kStatus, Tok::kStatusOk, Tok::kKind, Tok::kKindServer,
                              Tok::kRate, Tok::kBy, Tok::kWith, Tok::kIdent, Tok::kEnd}));
}

TEST(TraceqlLexerTest, CommentsAreSkipped) {
  EXPECT_EQ(Kinds("{ // line\n .a /* block\n */ }"),
            (std::vector<Tok>{Tok::kOpenBrace, Tok::kAttribute, Tok::kCloseBrace, Tok::kEnd}));
}

TEST(TraceqlLexerTest, PositionsCountLinesAndCharacters) {
  const auto t = Lex("{ .\xC3\xA9 = 1 }\n  | count()");
  ASSERT_GE(t.size(), 6u);
  EXPECT_EQ(t[1].pos.col, 3u);
  EXPECT_EQ(t[2].pos.col, 6u);  // é is one character, two bytes
  EXPECT_EQ(t[2].pos.offset, 6u);
  EXPECT_EQ(t[5].kind, Tok::kPipe);
  EXPECT_EQ(t[5].pos.line, 2u);
  EXPECT_EQ(t[5].pos.col, 3u);
}

TEST(TraceqlLexerTest, Errors) {
  struct {
    const char* query;
    const char* message;
  } cases[] = {
      {"\"abc", "parse error at line 1, col 1: literal not terminated"},
      {"`abc", "parse error at line 1, col 1: literal not terminated"},
      {"\"a\nb\"", "parse error at line 1, col 1: literal not terminated"},
      {R"("\q")", "parse error at line 1, col 2: escape sequence is invalid"},
      {R"("\ud800")", "parse error at line 1, col 2: escape sequence is invalid"},
      {"  99999999999999999999",
       "parse error at line 1, col 3: strconv.Atoi: parsing \"99999999999999999999\": value out "
       "of range"},
      {R"(."a\x")", "parse error at line 1, col 4: invalid escape sequence"},
      {R"(span."abc)", "parse error at line 1, col 6: unexpected EOF, expecting \""},
      {"/* x", "parse error at line 1, col 1: comment not terminated"},
  };
  for (const auto& c : cases) {
    auto r = Tokenize(c.query);
    ASSERT_FALSE(r.ok()) << c.query;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message) << c.query;
  }
}

TEST(TraceqlLexerTest, TokenDisplay) {
  const auto t = Lex("foo \"s\" 1 1.5 1s .a span.a parent.span.a span:id { count");
  std::vector<std::string> shown;
  for (const Token& tok : t) shown.push_back(TokenDisplay(tok));
  EXPECT_EQ(shown,
            (std::vector<std::string>{"IDENTIFIER", "STRING", "INTEGER", "FLOAT", "DURATION", ".",
                                      "span.", "parent.span.", "span:", "{", "count", "$end"}));
}

}  // namespace
}  // namespace loupe::query::traceql

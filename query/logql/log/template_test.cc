// Unit tests of the Go text/template engine and the Go time layouts.
#include <gtest/gtest.h>

#include "query/logql/log/go_time.h"
#include "query/logql/log/template.h"

namespace loupe::query::logql {
namespace {

std::string Exec(const std::string& text, std::vector<storage::model::Label> labels = {},
                 std::string_view line = "", int64_t ts = 0, Status* status = nullptr) {
  auto t = Template::Parse("line", text);
  if (!t.ok()) return "PARSE: " + t.status().message();
  std::string out;
  TemplateInput in;
  in.labels = &labels;
  in.line = line;
  in.ts = ts;
  Status s = (*t)->Execute(in, &out);
  if (status) *status = s;
  if (!s.ok()) return "EXEC: " + s.message();
  return out;
}

TEST(Template, FieldsAndMissingKeys) {
  EXPECT_EQ(Exec("{{.a}}-{{.b}}", {{"a", "x"}}), "x-");
  EXPECT_EQ(Exec("{{ . }}", {{"a", "x"}, {"b", "y"}}), "map[a:x b:y]");
  EXPECT_EQ(Exec("{{ (fromJson \"{}\").x }}"), "<no value>");
}

TEST(Template, ParseErrors) {
  EXPECT_EQ(Exec("{{ nope }}"), "PARSE: template: line:1: function \"nope\" not defined");
  EXPECT_EQ(Exec("{{ .a "), "PARSE: template: line:1: unclosed action");
  EXPECT_EQ(Exec("a\n{{ if .a }}"), "PARSE: template: line:2: unexpected EOF");
  EXPECT_EQ(Exec("{{ $x }}"), "PARSE: template: line:1: undefined variable \"$x\"");
  EXPECT_EQ(Exec("{{ end }}"), "PARSE: template: line:1: unexpected {{end}}");
}

TEST(Template, ExecErrors) {
  EXPECT_EQ(Exec("{{ div 1 0 }}"),
            "EXEC: template: line:1:3: executing \"line\" at <div 1 0>: error calling div: "
            "runtime error: integer divide by zero");
  EXPECT_EQ(Exec("{{ upper 5 }}"),
            "EXEC: template: line:1:3: executing \"line\" at <upper 5>: error calling upper: "
            "wrong type for value; expected string; got int");
  EXPECT_EQ(Exec("{{ .a.b }}", {{"a", "x"}}).rfind("EXEC: template: line:1:3:", 0), 0u);
}

TEST(Template, ControlFlow) {
  EXPECT_EQ(Exec("{{if .a}}A{{else if .b}}B{{else}}C{{end}}", {{"b", "1"}}), "B");
  EXPECT_EQ(Exec("{{range $i, $v := fromJson \"[\\\"x\\\",\\\"y\\\"]\"}}{{$i}}{{$v}}{{end}}"), "0x1y");
  EXPECT_EQ(Exec("{{range 3}}{{.}}{{end}}"), "012");
  EXPECT_EQ(Exec("{{range fromJson \"[]\"}}x{{else}}empty{{end}}"), "empty");
  EXPECT_EQ(Exec("{{range 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}"), "012");
  EXPECT_EQ(Exec("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"), "2");
  EXPECT_EQ(Exec("{{ with $y := .a }}{{ $y }}{{ end }}", {{"a", "q"}}), "q");
}

TEST(Template, Printf) {
  EXPECT_EQ(Exec("{{ printf \"%5.2f|%-3d|%03d|%s|%v|%t\" 3.14159 7 7 \"s\" 1.5 true }}"),
            " 3.14|7  |007|s|1.5|true");
  EXPECT_EQ(Exec("{{ printf \"%d\" \"x\" }}"), "%!d(string=x)");
  EXPECT_EQ(Exec("{{ printf \"%d %d\" 1 }}"), "1 %!d(MISSING)");
  EXPECT_EQ(Exec("{{ printf \"%d\" 1 2 }}"), "1%!(EXTRA int=2)");
  EXPECT_EQ(Exec("{{ print 1 2 \"a\" \"b\" 3 }}"), "1 2ab3");  // spaces only between non-strings
  EXPECT_EQ(Exec("{{ 1e6 }} {{ 0.5 }} {{ 1.0 }}"), "1e+06 0.5 1");
}

TEST(Template, LineAndTimestamp) {
  EXPECT_EQ(Exec("{{ __line__ }}|{{ __timestamp__ }}", {}, "the line", 1500000000),
            "the line|1970-01-01 00:00:01.5 +0000 UTC");
  EXPECT_EQ(Exec("{{ __timestamp__ | date \"Jan _2 15:04:05.000000\" }}", {}, "", 1500000000),
            "Jan  1 00:00:01.500000");
}

TEST(Template, SimpleKeyFastPath) {
  auto t = Template::Parse("line", "{{.message}}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->simple_key(), "message");
  EXPECT_EQ((*t)->fields(), std::vector<std::string>{"message"});
  auto u = Template::Parse("line", "{{.a}} {{ if .b }}{{ $.c }}{{ end }}");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->simple_key(), "");
  EXPECT_EQ((*u)->fields(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(GoTime, FormatLayouts) {
  GoTime t = GoTime::FromUnixNanos(1709622480123456789);  // 2024-03-05T07:08:00.123456789Z
  EXPECT_EQ(FormatGoTime(t, "2006-01-02T15:04:05.999999999Z07:00"),
            "2024-03-05T07:08:00.123456789Z");
  EXPECT_EQ(FormatGoTime(t, "Mon Jan 2 3:04PM 06 .000"), "Tue Mar 5 7:08AM 24 .123");
  EXPECT_EQ(FormatGoTime(t, "Monday, 02-Jan-06 15:04:05 MST"), "Tuesday, 05-Mar-24 07:08:00 UTC");
  EXPECT_EQ(FormatGoTime(t, "002 __2 -0700"), "065  65 +0000");
  EXPECT_EQ(GoTimeString(GoTime()), "0001-01-01 00:00:00 +0000 UTC");
}

TEST(GoTime, ParseLayouts) {
  auto t = ParseGoTime("2006-01-02T15:04:05Z07:00", "2024-03-05T09:08:00+02:00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->sec, 1709622480);
  EXPECT_EQ(t->offset, 7200);
  auto u = ParseGoTime("02/Jan/2006:15:04:05 -0700", "05/Mar/2024:07:08:00 +0000");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->sec, 1709622480);
  auto v = ParseGoTime("2006-01-02 15:04:05", "2024-03-05 07:08:00.25");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->nsec, 250000000);
  EXPECT_FALSE(ParseGoTime("2006-01-02", "2024-02-30").has_value());
  EXPECT_FALSE(ParseGoTime("2006-01-02", "2024-03-05x").has_value());
  EXPECT_FALSE(ParseGoTime("3:04PM", "13:00PM").has_value());
}

}  // namespace
}  // namespace loupe::query::logql

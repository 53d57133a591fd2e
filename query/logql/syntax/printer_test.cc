#include "query/logql/syntax/printer.h"

#include <gtest/gtest.h>

#include "query/logql/syntax/parser.h"

namespace loupe::query::logql {
namespace {

// Queries from Loki's LogQL documentation; each must print, re-parse and print identically.
const char* const kDocQueries[] = {
    R"q({container="query-frontend",namespace="loki-dev"} |= "metrics.go" | logfmt | duration > 10s and throughput_mb < 500)q",
    R"q({job="mysql"} |= "metrics" | logfmt | duration > 10s)q",
    R"q({app="nginx"} | pattern `<ip> - - <_> "<method> <uri> <_>" <status> <size> <_> "<agent>" <_>`)q",
    R"q({job="loki-ops/query-frontend"} | logfmt | line_format "{{.msg}}" | regexp "(?P<method>\\w+) (?P<path>[\\w|/]+) \\((?P<status>\\d+?)\\) (?P<duration>.*)")q",
    R"q({cluster="ops-tools1",name="dns"} |= "ip" | json | ip = ip("192.168.4.5/16"))q",
    R"q({job="varlogs"} | json | line_format "{{.message}}" | label_format level=severity)q",
    R"q(sum by (org_id) (sum_over_time({cluster="ops-tools1",container="loki-dev"} |= "metrics.go" | logfmt | unwrap bytes_processed [1m])))q",
    R"q(quantile_over_time(0.99, {cluster="ops-tools1",container="ingress-nginx"} | json | __error__ = "" | unwrap request_time [1m]) by (path))q",
    R"q(sum by (host) (rate({job="mysql"} |= "error" != "timeout" | json | duration > 10s [1m])))q",
    R"q(topk(10,sum(rate({region="us-east1"}[5m])) by (name)))q",
    R"q(avg(rate(({job="nginx"} |= "GET")[10s])) by (region))q",
    R"q(sum(count_over_time({job="mysql"}[5m])) by (level) > 10)q",
    R"q(sum(rate({app="foo", level="warn"}[1m])) / sum(rate({app="foo", level="error"}[1m])))q",
    R"q(sum(count_over_time({job="mysql"} |= "error" [5m])) by (instance) * 100 / sum(count_over_time({job="mysql"}[5m])) by (instance))q",
    R"q({app="foo"} | json | drop method,__error__,__error_details__)q",
    R"q({app="foo"} | logfmt | keep level, method="GET")q",
    R"q(absent_over_time({job="mysql"} |= "error" [1h]))q",
    R"q(sort_desc(sum by (pod) (bytes_over_time({app="foo"}[1m]))))q",
    R"q(label_replace(sum by (pod) (rate({app="foo"}[1m])), "short", "$1", "pod", "(.*)-[a-z0-9]+"))q",
};

TEST(LogqlPrinterTest, DocumentationQueriesRoundTrip) {
  for (const char* q : kDocQueries) {
    SCOPED_TRACE(q);
    auto e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << e.status().message();
    const std::string printed = Print(**e);
    auto again = ParseExpr(printed);
    ASSERT_TRUE(again.ok()) << printed << ": " << again.status().message();
    EXPECT_EQ(Print(**again), printed);
    auto pretty = ParseExpr(Pretty(**e));
    EXPECT_TRUE(pretty.ok()) << Pretty(**e);
  }
}

TEST(LogqlPrinterTest, PartsPrintOnTheirOwn) {
  auto e = ParseExpr(R"({a="b"} |= "x" | json | y > 1 or z="q")");
  ASSERT_TRUE(e.ok());
  const auto& sel = std::get<LogSelector>((*e)->node);
  EXPECT_EQ(Print(sel), R"({a="b"} |= "x" | json | ( y>1 or z="q" ))");
  EXPECT_EQ(Print(sel.stages[0]), R"(|= "x")");
  EXPECT_EQ(Print(*sel.stages[2].label_filter), R"(( y>1 or z="q" ))");
}

TEST(LogqlPrinterTest, PrettyUsesTheDefaultLimit) {
  auto e = ParseExpr(
      R"(sum by (namespace, pod) (count_over_time({cluster="us-central-1", namespace="loki"} |= "error" | logfmt | level="error" [5m])))");
  ASSERT_TRUE(e.ok());
  // The whole query is over the limit, the inner range aggregation (96 bytes) is not.
  EXPECT_EQ(Pretty(**e),
            "sum by (namespace, pod)(\n"
            "  count_over_time({cluster=\"us-central-1\", namespace=\"loki\"} |= \"error\" | "
            "logfmt | level=\"error\"[5m])\n"
            ")");
  EXPECT_EQ(Pretty(**e, 60),
            "sum by (namespace, pod)(\n"
            "  count_over_time(\n"
            "    {cluster=\"us-central-1\", namespace=\"loki\"}\n"
            "      |= \"error\"\n"
            "      | logfmt\n"
            "      | level=\"error\" [5m]\n"
            "  )\n"
            ")");
}

}  // namespace
}  // namespace loupe::query::logql

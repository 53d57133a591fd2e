// `loupe loadgen metrics` against a real loupe, over both protocols: every series and sample it
// reports as sent is queryable, under the names each protocol gives them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "appliance/http/client.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using nlohmann::json;

// Runs `loupe args...`, returns its exit status.
int RunLoupe(std::vector<std::string> args) {
  args.insert(args.begin(), LoupeBinary());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(LoadgenTest, MetricsOverRemoteWriteAndOtlpAreAllStored) {
  LoupeProcess loupe(LaunchOptions{.args = {"--self-scrape-interval", "0"}});
  ASSERT_TRUE(loupe.ready()) << loupe.Stderr();
  ASSERT_EQ(RunLoupe({"loadgen", "metrics", "--target", "http://" + loupe.Addr("http") + "/api/v1/write",
                      "--series", "200", "--samples", "3", "--batch", "50", "--tenant", "rw"}),
            0);
  ASSERT_EQ(RunLoupe({"loadgen", "metrics", "--protocol", "otlp", "--target",
                      "http://" + loupe.Addr("otlp_http") + "/v1/metrics", "--series", "200", "--samples", "3",
                      "--batch", "50", "--tenant", "otlp"}),
            0);
  // count({__name__=~"loadgen_metric_.+"}) and the samples of one series, per tenant.
  const std::string count = "count(%7B__name__%3D~%22loadgen_metric_.%2B%22%7D)";
  const std::string samples = "count_over_time(%7Bseries%3D%2242%22%7D%5B1h%5D)";
  auto with_tenant = [&](const std::string& tenant, const std::string& q) {
    appliance::http::HttpClient c(loupe.Addr("http"));
    const json j = json::parse(c.Request("GET", "/api/v1/query?query=" + q, {{"X-Scope-OrgID", tenant}}).body);
    return j["data"]["result"].empty() ? -1.0 : std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  };
  EXPECT_EQ(with_tenant("rw", count), 200);
  EXPECT_EQ(with_tenant("rw", samples), 3);
  EXPECT_EQ(with_tenant("otlp", count), 200);
  EXPECT_EQ(with_tenant("otlp", samples), 3);
  // OTLP counters are monotonic cumulative sums: Prometheus's OTLP naming adds _total.
  const std::string totals = "count(%7B__name__%3D~%22loadgen_metric_.%2B_total%22%7D)";
  EXPECT_EQ(with_tenant("otlp", totals), 80);  // series % 5 in {2, 3}
  EXPECT_EQ(with_tenant("rw", totals), -1);
}

}  // namespace
}  // namespace loupe::testing

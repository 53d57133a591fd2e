// loupe against real Prometheus (Debian's 2.42) as the reference: the same synthetic data is
// remote-written into both, then every query of testdata/promql_diff_queries.txt is evaluated
// on both as instant queries at several times and as range queries, and the answers must agree:
// same status and error type, same result type, same series, same timestamps, values equal up to
// a relative 1e-9 (summation order differs between engine versions).
//
// Prometheus 2.x range windows are closed ([t-r, t]) where 3.x's (loupe's) are left-open, and 2.x
// includes a subquery point at exactly t-r. The data avoids both: every sample sits on an odd
// millisecond and every evaluation time (including subquery steps, multiples of whole seconds)
// on an even one, so no sample or subquery point ever lies on a window boundary.
//
// promtool, Prometheus's own client, is also pointed at loupe: its printed answers must match
// what it prints for Prometheus.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "appliance/http/client.h"
#include "prompb/remote.pb.h"
#include "storage/base/compression.h"
#include "tests/integration/child_process.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using nlohmann::json;

constexpr int64_t kT0 = 1'700'000'000'000;  // ms; data spans kT0 .. kT0 + 2h
constexpr int kSteps = 481;                   // one sample per 15 s
constexpr int64_t kScrapeMs = 15'000;

// A small deterministic generator (xorshift64*), so both servers and every run see the same data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ull + 1) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545f4914f6cdd1dull;
  }
  double Uniform() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }

 private:
  uint64_t s_;
};

struct Series {
  std::vector<std::pair<std::string, std::string>> labels;  // __name__ first
  std::vector<std::pair<int64_t, double>> samples;
};

// Sample time of step k for a series: on the 15 s grid plus an odd per-series jitter.
int64_t SampleTime(int k, size_t series_index) {
  return kT0 + k * kScrapeMs + 2 * static_cast<int64_t>((series_index * 7919) % 499) + 1;
}

std::vector<Series> GenerateData() {
  std::vector<Series> out;
  Rng rng(42);
  auto add = [&](std::vector<std::pair<std::string, std::string>> labels) -> Series& {
    out.push_back(Series{std::move(labels), {}});
    return out.back();
  };
  const std::vector<std::string> jobs = {"api", "web", "db"};
  const std::vector<std::string> instances = {"i0", "i1", "i2", "i3"};

  // Counters, one with a reset.
  for (const auto& job : jobs) {
    for (const auto& inst : instances) {
      for (const char* method : {"GET", "POST"}) {
        for (const char* code : {"200", "500"}) {
          Series& s = add({{"__name__", "http_requests_total"}, {"code", code}, {"instance", inst},
                           {"job", job}, {"method", method}});
          const double per_second = 0.1 + 50 * rng.Uniform() * (code[0] == '5' ? 0.05 : 1);
          // Counters of a long-running process: far from zero, so rate()'s zero-point limit
          // never applies at the start of the data (2.x and 3.x apply it in a different order).
          double v = 1e5 + std::floor(1e6 * rng.Uniform());
          const bool resets = job == "web" && inst == "i1" && method[0] == 'G' && code[0] == '2';
          for (int k = 0; k < kSteps; ++k) {
            if (resets && k == 200) v = 3;
            v += std::floor(per_second * 15 * (0.5 + rng.Uniform()));
            s.samples.emplace_back(0, v);
          }
        }
      }
    }
  }
  // A classic histogram per (job, instance) and a summary.
  const std::vector<std::string> les = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
  const std::vector<double> bounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, INFINITY};
  for (const char* job : {"api", "web"}) {
    for (const char* inst : {"i0", "i1"}) {
      std::vector<Series*> buckets;
      for (const auto& le : les) {
        buckets.push_back(&add({{"__name__", "http_request_duration_seconds_bucket"},
                                {"instance", inst}, {"job", job}, {"le", le}}));
      }
      Series& sum = add({{"__name__", "http_request_duration_seconds_sum"}, {"instance", inst}, {"job", job}});
      Series& count = add({{"__name__", "http_request_duration_seconds_count"}, {"instance", inst}, {"job", job}});
      // The process has been up for a while: 10,000 earlier observations.
      std::vector<double> cum(les.size(), 0);
      double total = 0, n = 0;
      for (int o = 0; o < 10000; ++o) {
        const double latency = -std::log(1 - rng.Uniform()) * (job[0] == 'a' ? 0.2 : 0.6);
        total += latency;
        n += 1;
        for (size_t b = 0; b < bounds.size(); ++b) {
          if (latency <= bounds[b]) cum[b] += 1;
        }
      }
      for (int k = 0; k < kSteps; ++k) {
        const int obs = static_cast<int>(rng.Next() % 20);
        for (int o = 0; o < obs; ++o) {
          const double latency = -std::log(1 - rng.Uniform()) * (job[0] == 'a' ? 0.2 : 0.6);
          total += latency;
          n += 1;
          for (size_t b = 0; b < bounds.size(); ++b) {
            if (latency <= bounds[b]) cum[b] += 1;
          }
        }
        for (size_t b = 0; b < les.size(); ++b) buckets[b]->samples.emplace_back(0, cum[b]);
        sum.samples.emplace_back(0, total);
        count.samples.emplace_back(0, n);
      }
    }
  }
  {
    std::vector<Series*> qs;
    for (const char* q : {"0.5", "0.9", "0.99"}) {
      qs.push_back(&add({{"__name__", "rpc_latency_seconds"}, {"quantile", q}}));
    }
    Series& sum = add({{"__name__", "rpc_latency_seconds_sum"}});
    Series& count = add({{"__name__", "rpc_latency_seconds_count"}});
    double total = 5000, n = 40000;
    for (int k = 0; k < kSteps; ++k) {
      const double base = 0.1 + 0.05 * rng.Uniform();
      qs[0]->samples.emplace_back(0, base);
      qs[1]->samples.emplace_back(0, base * 3);
      qs[2]->samples.emplace_back(0, base * 9);
      n += 10;
      total += base * 14;
      sum.samples.emplace_back(0, total);
      count.samples.emplace_back(0, n);
    }
  }
  // Gauges.
  for (const auto& inst : instances) {
    Series& s = add({{"__name__", "node_memory_free_bytes"}, {"instance", inst}});
    double v = 1e9 + std::floor(1e8 * rng.Uniform());
    for (int k = 0; k < kSteps; ++k) {
      v += std::floor(2e6 * (rng.Uniform() - 0.5));
      s.samples.emplace_back(0, v);
    }
  }
  for (int r = 0; r < 5; ++r) {
    Series& s = add({{"__name__", "temperature"}, {"room", std::string(1, static_cast<char>('a' + r))}});
    const double phase = rng.Uniform() * 6, offset = -10 + 8 * r;
    for (int k = 0; k < kSteps; ++k) {
      s.samples.emplace_back(0, std::round(100 * (offset + 10 * std::sin(k / 20.0 + phase) + rng.Uniform())) / 100);
    }
  }
  for (int q = 0; q < 3; ++q) {
    Series& s = add({{"__name__", "queue_depth"}, {"queue", "q" + std::to_string(q)}});
    for (int k = 0; k < kSteps; ++k) s.samples.emplace_back(0, static_cast<double>(rng.Next() % 6));
  }
  for (const char* room : {"a", "b"}) {
    Series& s = add({{"__name__", "nan_gauge"}, {"room", room}});
    for (int k = 0; k < kSteps; ++k) {
      const double v = std::round(1000 * rng.Uniform()) / 10;
      s.samples.emplace_back(0, room[0] == 'a' && k % 7 == 3 ? NAN : v);
    }
  }
  for (size_t i = 0; i < instances.size(); ++i) {
    Series& s = add({{"__name__", "build_info"}, {"instance", instances[i]}, {"version", "1." + std::to_string(i % 2)}});
    for (int k = 0; k < kSteps; ++k) s.samples.emplace_back(0, 1);
  }
  for (const auto& job : jobs) {
    for (const auto& inst : instances) {
      Series& s = add({{"__name__", "up"}, {"instance", inst}, {"job", job}});
      for (int k = 0; k < kSteps; ++k) {
        s.samples.emplace_back(0, job == "db" && inst == "i2" && k >= 100 && k < 160 ? 0 : 1);
      }
    }
  }
  // Sparse: present only in some windows, with gaps longer than the 5 m lookback.
  {
    Series& s1 = add({{"__name__", "sparse_metric"}, {"id", "1"}});
    Series& s2 = add({{"__name__", "sparse_metric"}, {"id", "2"}});
    for (int k = 0; k < kSteps; ++k) {
      if ((k / 40) % 2 == 0) s1.samples.emplace_back(k, static_cast<double>(10000 + k));
      if (k >= 100 && k < 140) s2.samples.emplace_back(k, static_cast<double>(20000 + 2 * k));
    }
  }
  // Timestamps: dense series were filled with placeholder 0; sparse ones carry k.
  for (size_t i = 0; i < out.size(); ++i) {
    auto& samples = out[i].samples;
    const bool dense = samples.size() == static_cast<size_t>(kSteps);
    for (size_t j = 0; j < samples.size(); ++j) {
      const int k = dense ? static_cast<int>(j) : static_cast<int>(samples[j].first);
      samples[j].first = SampleTime(k, i);
    }
  }
  return out;
}

// Remote-writes `data` in time order, in slices of 40 steps, to every address.
void WriteAll(const std::vector<Series>& data, const std::vector<std::string>& addrs) {
  for (int from = 0; from < kSteps; from += 40) {
    const int64_t lo = kT0 + from * kScrapeMs, hi = kT0 + (from + 40) * kScrapeMs;
    prometheus::WriteRequest req;
    for (const auto& s : data) {
      prometheus::TimeSeries* ts = nullptr;
      for (const auto& [t, v] : s.samples) {
        if (t < lo || t >= hi) continue;
        if (!ts) {
          ts = req.add_timeseries();
          for (const auto& [n, lv] : s.labels) {
            auto* l = ts->add_labels();
            l->set_name(n);
            l->set_value(lv);
          }
        }
        auto* smp = ts->add_samples();
        smp->set_timestamp(t);
        smp->set_value(v);
      }
    }
    std::string body;
    ASSERT_TRUE(Compress(Codec::kSnappy, req.SerializeAsString(), &body).ok());
    for (const auto& addr : addrs) {
      HttpClient client(addr);
      auto resp = client.Request("POST", "/api/v1/write",
                                 {{"Content-Type", "application/x-protobuf"},
                                  {"Content-Encoding", "snappy"},
                                  {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
                                 body);
      ASSERT_TRUE(resp.status == 204 || resp.status == 200) << addr << ": " << resp.status << " " << resp.body;
    }
  }
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Seconds(int64_t ms) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  return buf;
}

std::string LabelsKey(const json& metric) {
  std::string key;
  for (auto it = metric.begin(); it != metric.end(); ++it) key += it.key() + "=" + it.value().get<std::string>() + ",";
  return key;
}

bool SameValue(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const double x = std::strtod(a.c_str(), nullptr), y = std::strtod(b.c_str(), nullptr);
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  if (std::isinf(x) || std::isinf(y)) return x == y;
  const double d = std::fabs(x - y);
  return d <= 1e-9 * std::max(std::fabs(x), std::fabs(y)) || d < 1e-12;
}

// Equal word for word, where words that are numbers may differ within SameValue's tolerance.
bool SameText(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::string u, v;
  while (true) {
    const bool more_x = static_cast<bool>(x >> u), more_y = static_cast<bool>(y >> v);
    if (more_x != more_y) return false;
    if (!more_x) return true;
    if (u == v) continue;
    char* end_u = nullptr;
    char* end_v = nullptr;
    std::strtod(u.c_str(), &end_u);
    std::strtod(v.c_str(), &end_v);
    if (*end_u != '\0' || *end_v != '\0' || !SameValue(u, v)) return false;
  }
}

bool SamePoint(const json& a, const json& b) {
  return a.size() == 2 && b.size() == 2 && a[0] == b[0] && SameValue(a[1].get<std::string>(), b[1].get<std::string>());
}

// "" when the two API answers agree, else what differs.
std::string Compare(const std::string& want_body, const std::string& got_body) {
  json want, got;
  try {
    want = json::parse(want_body);
    got = json::parse(got_body);
  } catch (const std::exception& e) {
    return std::string("unparsable answer: ") + e.what() + " prometheus=" + want_body.substr(0, 200) +
           " loupe=" + got_body.substr(0, 200);
  }
  if (want["status"] != got["status"]) return "status: prometheus " + want_body.substr(0, 300) + " loupe " + got_body.substr(0, 300);
  if (want["status"] == "error") {
    if (want["errorType"] != got["errorType"]) {
      return "errorType: prometheus " + want_body.substr(0, 300) + " loupe " + got_body.substr(0, 300);
    }
    return "";
  }
  const json& w = want["data"];
  const json& g = got["data"];
  if (w["resultType"] != g["resultType"]) return "resultType " + w["resultType"].dump() + " vs " + g["resultType"].dump();
  const std::string type = w["resultType"];
  if (type == "scalar") return SamePoint(w["result"], g["result"]) ? "" : "scalar " + w["result"].dump() + " vs " + g["result"].dump();
  if (type == "string") return w["result"] == g["result"] ? "" : "string differs";
  std::map<std::string, const json*> wm, gm;
  for (const auto& e : w["result"]) wm[LabelsKey(e["metric"])] = &e;
  for (const auto& e : g["result"]) gm[LabelsKey(e["metric"])] = &e;
  if (wm.size() != w["result"].size() || gm.size() != g["result"].size()) return "duplicate series in an answer";
  for (const auto& [key, e] : wm) {
    auto it = gm.find(key);
    if (it == gm.end()) return "series missing in loupe: {" + key + "} (prometheus has " + std::to_string(wm.size()) + ", loupe " + std::to_string(gm.size()) + ")";
    if (type == "vector") {
      if (!SamePoint((*e)["value"], (*it->second)["value"])) {
        return "{" + key + "} " + (*e)["value"].dump() + " vs " + (*it->second)["value"].dump();
      }
    } else {
      const json& wv = (*e)["values"];
      const json& gv = (*it->second)["values"];
      if (wv.size() != gv.size()) return "{" + key + "} " + std::to_string(wv.size()) + " points vs " + std::to_string(gv.size());
      for (size_t i = 0; i < wv.size(); ++i) {
        if (!SamePoint(wv[i], gv[i])) return "{" + key + "} point " + std::to_string(i) + ": " + wv[i].dump() + " vs " + gv[i].dump();
      }
    }
  }
  for (const auto& [key, e] : gm) {
    if (!wm.count(key)) return "extra series in loupe: {" + key + "}";
  }
  return "";
}

// Queries whose answers differ between Prometheus 2.42 and Prometheus 3 by design; loupe follows
// 3. Each must still differ (an entry that stops differing fails the test, so the list cannot
// hide a regression behind a stale excuse).
const std::map<std::string, std::string>& KnownDifferences() {
  static const auto* m = new std::map<std::string, std::string>{
      {"temperature atan2 1",
       "Prometheus 3 drops the metric name for atan2 like the other arithmetic operators; 2.42 keeps it"},
      {R"(label_replace(up, "1bad", "x", "job", ".*"))",
       "Prometheus 3 accepts any UTF-8 label name; 2.42 rejects \"1bad\" as an invalid label name (422)"},
      {"stddev by (room) (nan_gauge)",
       "Prometheus 3 returns NaN for a group whose first sample is NaN or Inf; 2.42 returns 0"},
      {"stdvar by (room) (nan_gauge)",
       "Prometheus 3 returns NaN for a group whose first sample is NaN or Inf; 2.42 returns 0"},
  };
  return *m;
}

std::vector<std::string> LoadQueries() {
  std::ifstream in(LOUPE_PROMQL_DIFF_QUERIES);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

class PromqlDiffTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(access("/usr/bin/prometheus", X_OK), 0) << "prometheus missing: run scripts/setup";
    dir_ = new TempDir("promql-diff");
    loupe_ = new LoupeProcess(LaunchOptions{.args = {"--self-scrape-interval", "0"}});
    ASSERT_TRUE(loupe_->ready()) << loupe_->Stderr();
    prom_addr_ = "127.0.0.1:" + std::to_string(FreePort());
    std::ofstream(dir_->Sub("prometheus.yml")) << "global:\n  scrape_interval: 15s\n";
    prometheus_ = new Child({"/usr/bin/prometheus", "--config.file=" + dir_->Sub("prometheus.yml"),
                             "--storage.tsdb.path=" + dir_->Sub("data"), "--web.listen-address=" + prom_addr_,
                             "--web.enable-remote-write-receiver", "--enable-feature=promql-negative-offset"},
                            dir_->Sub("prom.log"));
    ASSERT_TRUE(WaitReady(prom_addr_, "/-/ready"));
    WriteAll(GenerateData(), {prom_addr_, loupe_->Addr("http")});
  }
  static void TearDownTestSuite() {
    delete prometheus_;
    delete loupe_;
    delete dir_;
  }

  static TempDir* dir_;
  static LoupeProcess* loupe_;
  static Child* prometheus_;
  static std::string prom_addr_;
};
TempDir* PromqlDiffTest::dir_ = nullptr;
LoupeProcess* PromqlDiffTest::loupe_ = nullptr;
Child* PromqlDiffTest::prometheus_ = nullptr;
std::string PromqlDiffTest::prom_addr_;

TEST_F(PromqlDiffTest, EveryQueryAgreesWithPrometheus) {
  const auto queries = LoadQueries();
  ASSERT_GE(queries.size(), 300u);
  // Even milliseconds, never multiples of a whole second (see the file comment).
  const std::vector<int64_t> instants = {kT0 + 1'800'002, kT0 + 3'668'002, kT0 + 7'290'002, kT0 + 7'700'002};
  struct Range {
    int64_t start, end, step;
  };
  const std::vector<Range> ranges = {{kT0 + 600'002, kT0 + 6'600'002, 60'000}, {kT0 + 5'002, kT0 + 7'500'002, 37'000}};

  HttpClient prom(prom_addr_), lp(loupe_->Addr("http"));
  int compared = 0, differing = 0, errors_both = 0, known = 0;
  std::set<std::string> known_seen;
  std::ostringstream report;
  auto check = [&](const std::string& query, const std::string& target) {
    auto want = prom.Get(target);
    auto got = lp.Get(target);
    ++compared;
    if (want.status != 200) ++errors_both;
    std::string diff = want.status != got.status ? "HTTP " + std::to_string(want.status) + " vs " + std::to_string(got.status) + ": " + got.body.substr(0, 200)
                                                 : Compare(want.body, got.body);
    if (!diff.empty() && KnownDifferences().count(query)) {
      ++known;
      known_seen.insert(query);
    } else if (!diff.empty()) {
      ++differing;
      report << "  " << query << "  [" << target.substr(0, target.find('?')) << "]\n    " << diff << "\n";
    }
  };
  for (const auto& q : queries) {
    for (int64_t t : instants) check(q, "/api/v1/query?query=" + UrlEncode(q) + "&time=" + Seconds(t));
    for (const auto& r : ranges) {
      check(q, "/api/v1/query_range?query=" + UrlEncode(q) + "&start=" + Seconds(r.start) + "&end=" + Seconds(r.end) +
                   "&step=" + Seconds(r.step));
    }
  }
  RecordProperty("queries", static_cast<int>(queries.size()));
  RecordProperty("evaluations", compared);
  RecordProperty("differing", differing);
  std::printf("promql diff: %zu queries, %d evaluations, %d answered with an error by both, %d differ, "
              "%d differ as Prometheus 3 differs from 2.42\n",
              queries.size(), compared, errors_both, differing, known);
  EXPECT_EQ(differing, 0) << report.str();
  for (const auto& [q, why] : KnownDifferences()) {
    EXPECT_TRUE(known_seen.count(q)) << "listed as a known 2.x/3.x difference but answered the same: " << q;
  }
}

// promtool is a real Prometheus client: its rendering of loupe's answers must be identical to
// its rendering of Prometheus's.
TEST_F(PromqlDiffTest, PromtoolPrintsTheSameAnswers) {
  const std::vector<std::vector<std::string>> cmds = {
      {"instant", "--time=" + Seconds(kT0 + 1'800'002), "sum by (job) (rate(http_requests_total[5m]))"},
      {"instant", "--time=" + Seconds(kT0 + 3'668'002), "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"},
      {"instant", "--time=" + Seconds(kT0 + 3'668'002), "temperature"},
      {"range", "--start=" + Seconds(kT0 + 600'002), "--end=" + Seconds(kT0 + 1'200'002), "--step=60s", "max by (room) (temperature)"},
      {"series", "--match=up{job=\"db\"}", "--start=" + Seconds(kT0), "--end=" + Seconds(kT0 + 7'200'000)},
      {"labels", "--start=" + Seconds(kT0), "--end=" + Seconds(kT0 + 7'200'000), "job"},
  };
  for (const auto& c : cmds) {
    std::vector<std::string> base = {PromtoolBinary(), "query", c[0]};
    auto run = [&](const std::string& addr) {
      std::vector<std::string> argv = base;
      argv.push_back("http://" + addr);
      // promtool wants the server before the expression/label name; flags may go anywhere.
      for (size_t i = 1; i < c.size(); ++i) argv.push_back(c[i]);
      std::string out;
      const int rc = RunCommand(argv, &out);
      return std::to_string(rc) + "\n" + out;
    };
    const std::string want = run(prom_addr_);
    const std::string got = run(loupe_->Addr("http"));
    EXPECT_TRUE(SameText(want, got)) << "promtool query " << c[0] << " " << c.back() << "\nprometheus:\n"
                                     << want << "\nloupe:\n" << got;
    EXPECT_EQ(want.substr(0, 2), "0\n") << want;
  }
}

}  // namespace
}  // namespace loupe::testing

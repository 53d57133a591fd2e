// Macro benchmark: loupe's process-level figures beside Prometheus's, measured in the same run
// on the same machine, each started the same way (fresh empty data dir, loopback listeners):
//   exec -> ready   time from posix_spawn to the first 200 from GET /-/ready (polled every 0.5 ms)
//   idle RSS        VmRSS 5 s after ready, no load
//   /-/ready req/s  wrk -t2 -c32 -d<N>s against GET /-/ready
// Prints medians of several runs and the loupe/anchor ratio.
//
// Usage: process_bench --loupe build/loupe [--prometheus /usr/bin/prometheus] [--runs 11]
//                      [--wrk-seconds 5] [--rss-runs 3]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// One GET /-/ready on a fresh connection; true on HTTP 200.
bool ReadyOnce(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    const char req[] = "GET /-/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (write(fd, req, sizeof(req) - 1) > 0) {
      char buf[64] = {0};
      const ssize_t n = read(fd, buf, sizeof(buf) - 1);
      ok = n > 12 && std::strncmp(buf + 9, "200", 3) == 0;
    }
  }
  close(fd);
  return ok;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

void StopProcess(pid_t pid) {
  kill(pid, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
}

double RssMiB(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

double Median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Server {
  std::string name;
  // Builds argv for a fresh start: (data dir, http port) -> argv.
  std::function<std::vector<std::string>(const std::string&, int)> argv;
};

struct Running {
  pid_t pid = -1;
  int port = 0;
  double ready_ms = -1;
  std::string dir;
};

Running Start(const Server& s, const std::string& base, int run) {
  Running r;
  r.dir = base + "/" + s.name + "-" + std::to_string(run);
  std::filesystem::remove_all(r.dir);
  std::filesystem::create_directories(r.dir);
  r.port = FreePort();
  const auto argv = s.argv(r.dir, r.port);
  const auto t0 = Clock::now();
  r.pid = Spawn(argv, r.dir + ".log");
  while (Clock::now() - t0 < std::chrono::seconds(30)) {
    if (ReadyOnce(r.port)) {
      r.ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      break;
    }
    int st;
    if (waitpid(r.pid, &st, WNOHANG) == r.pid) {
      std::fprintf(stderr, "%s exited during startup; see %s.log\n", s.name.c_str(), r.dir.c_str());
      r.pid = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return r;
}

double WrkRps(int port, int seconds) {
  const std::string cmd = "wrk -t2 -c32 -d" + std::to_string(seconds) + "s http://127.0.0.1:" +
                          std::to_string(port) + "/-/ready 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[512];
  double rps = -1;
  while (fgets(buf, sizeof(buf), p)) {
    if (std::strncmp(buf, "Requests/sec:", 13) == 0) rps = std::atof(buf + 13);
  }
  pclose(p);
  return rps;
}

}  // namespace

int main(int argc, char** argv) {
  std::string loupe, prometheus = "/usr/bin/prometheus";
  int runs = 11, wrk_seconds = 5, rss_runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--loupe") loupe = v;
    else if (k == "--prometheus") prometheus = v;
    else if (k == "--runs") runs = std::stoi(v);
    else if (k == "--wrk-seconds") wrk_seconds = std::stoi(v);
    else if (k == "--rss-runs") rss_runs = std::stoi(v);
  }
  if (loupe.empty() || !std::filesystem::exists(prometheus)) {
    std::fprintf(stderr, "usage: process_bench --loupe PATH [--prometheus PATH] [--runs N]\n");
    return 2;
  }
  const std::string base = (std::filesystem::temp_directory_path() / ("loupe-bench-" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(base);
  std::ofstream(base + "/prometheus.yml") << "global:\n  scrape_interval: 15s\n";

  const Server servers[] = {
      {"loupe",
       [&](const std::string& dir, int port) {
         // All listeners on, each on its own free port: the full default startup.
         return std::vector<std::string>{
             loupe, "serve", "--data-dir", dir,
             "--http-addr", "127.0.0.1:" + std::to_string(port),
             "--loki-addr", "127.0.0.1:" + std::to_string(FreePort()),
             "--prometheus-addr", "127.0.0.1:" + std::to_string(FreePort()),
             "--tempo-addr", "127.0.0.1:" + std::to_string(FreePort()),
             "--otlp-grpc-addr", "127.0.0.1:" + std::to_string(FreePort()),
             "--otlp-http-addr", "127.0.0.1:" + std::to_string(FreePort())};
       }},
      {"prometheus",
       [&](const std::string& dir, int port) {
         return std::vector<std::string>{prometheus, "--config.file=" + base + "/prometheus.yml",
                                         "--storage.tsdb.path=" + dir,
                                         "--web.listen-address=127.0.0.1:" + std::to_string(port)};
       }},
  };

  // exec -> ready, alternating servers run by run so drift in machine load hits both.
  std::vector<double> ready[2];
  for (int run = 0; run < runs; ++run) {
    for (int s = 0; s < 2; ++s) {
      auto r = Start(servers[s], base, run);
      if (r.pid > 0) {
        ready[s].push_back(r.ready_ms);
        StopProcess(r.pid);
      }
      std::filesystem::remove_all(r.dir);
    }
  }
  // Idle RSS 5 s after ready, and /-/ready throughput, on long-lived instances.
  std::vector<double> rss[2], rps[2];
  for (int run = 0; run < rss_runs; ++run) {
    for (int s = 0; s < 2; ++s) {
      auto r = Start(servers[s], base, 1000 + run);
      if (r.pid <= 0) continue;
      std::this_thread::sleep_for(std::chrono::seconds(5));
      rss[s].push_back(RssMiB(r.pid));
      rps[s].push_back(WrkRps(r.port, wrk_seconds));
      StopProcess(r.pid);
      std::filesystem::remove_all(r.dir);
    }
  }
  std::filesystem::remove_all(base);

  auto row = [](const char* figure, double a, double b, const char* target) {
    std::printf("%-30s %12.2f %14.2f %8.2f   %s\n", figure, a, b, b > 0 ? a / b : 0.0, target);
  };
  std::printf("%-30s %12s %14s %8s   %s\n", "figure (median)", "loupe", "prometheus", "ratio", "target");
  row("exec -> /-/ready 200 (ms)", Median(ready[0]), Median(ready[1]), "<= 50 ms");
  row("idle RSS after 5 s (MiB)", Median(rss[0]), Median(rss[1]), "<= 30 MB");
  row("/-/ready req/s (wrk -c32)", Median(rps[0]), Median(rps[1]), "higher is better");
  std::printf("runs: %d startups, %d RSS/wrk rounds of %d s each\n", runs, rss_runs, wrk_seconds);
  return 0;
}

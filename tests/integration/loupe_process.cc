#include "tests/integration/loupe_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

extern char** environ;

namespace loupe::testing {

std::string LoupeBinary() { return LOUPE_BINARY; }
std::string PromtoolBinary() { return LOUPE_PROMTOOL; }

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
            const std::string& stdout_file, const std::string& stderr_file) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_storage;
  auto name_of = [](std::string_view kv) { return kv.substr(0, kv.find('=')); };
  for (char** e = environ; *e; ++e) {
    // Never leak the developer's LOUPE_* settings into a test.
    if (std::string_view(*e).substr(0, 6) == "LOUPE_") continue;
    // A variable the caller sets replaces the inherited one.
    if (std::any_of(extra_env.begin(), extra_env.end(),
                    [&](const std::string& x) { return name_of(x) == name_of(*e); })) {
      continue;
    }
    env_storage.emplace_back(*e);
  }
  for (const auto& e : extra_env) env_storage.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int DecodeWait(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

LoupeProcess::LoupeProcess(LaunchOptions options) : dir_("proc") {
  ready_file_ = dir_.Sub("ready.json");
  stderr_file_ = dir_.Sub("stderr.log");
  std::vector<std::string> argv = {LoupeBinary(), "serve", "--ready-file", ready_file_};
  bool has_data_dir = false;
  for (const auto& a : options.args) has_data_dir |= a == "--data-dir";
  if (options.ephemeral_ports) argv.insert(argv.end(), {"--ports", "ephemeral"});
  if (options.ephemeral_data && !has_data_dir) argv.push_back("--ephemeral");
  argv.insert(argv.end(), options.args.begin(), options.args.end());
  // The child's temporary files (its --ephemeral data dir among them) go into this harness's
  // own directory, which is removed with it: a test that kills loupe with SIGKILL, or ends
  // without stopping it, leaves nothing behind in /tmp.
  std::vector<std::string> env = options.env;
  if (std::none_of(env.begin(), env.end(), [](const std::string& x) { return x.starts_with("TMPDIR="); })) {
    env.push_back("TMPDIR=" + dir_.path());
  }
  pid_ = Spawn(argv, env, dir_.Sub("stdout.log"), stderr_file_);
  if (pid_ < 0 || !options.wait_ready) return;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = DecodeWait(status);
      return;
    }
    std::ifstream f(ready_file_);
    if (f) {
      auto j = nlohmann::json::parse(ReadFile(ready_file_), nullptr, false);
      if (!j.is_discarded()) {
        for (auto& [k, v] : j.items()) ready_json_[k] = v.is_string() ? v.get<std::string>() : v.dump();
        ready_ = true;
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

LoupeProcess::~LoupeProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

std::string LoupeProcess::Addr(const std::string& name) const {
  auto it = ready_json_.find(name);
  return it == ready_json_.end() ? "" : it->second;
}

std::string LoupeProcess::Stderr() const { return ReadFile(stderr_file_); }

int LoupeProcess::Wait(std::chrono::milliseconds timeout) {
  if (exited_) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = DecodeWait(status);
      return exit_status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return -1;
}

int LoupeProcess::Stop(int sig, std::chrono::milliseconds timeout) {
  if (exited_) return exit_status_;
  kill(pid_, sig);
  return Wait(timeout);
}

int RunCommand(const std::vector<std::string>& argv, std::string* output) {
  TempDir dir("cmd");
  const pid_t pid = Spawn(argv, {}, dir.Sub("out"), dir.Sub("out"));
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  if (output) *output = ReadFile(dir.Sub("out"));
  return DecodeWait(status);
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace loupe::testing

// Test harness: runs the real build/loupe binary as a child process on ephemeral ports with an
// ephemeral data dir (unless told otherwise), waits for its ready file and exposes the bound
// addresses, its stderr, and clean or hard stops.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace loupe::testing {

struct LaunchOptions {
  std::vector<std::string> args;                 // extra arguments after `serve`
  std::vector<std::string> env;                  // extra "K=V" entries
  bool ephemeral_ports = true;                   // adds --ports ephemeral
  bool ephemeral_data = true;                    // adds --ephemeral unless --data-dir is in args
  bool wait_ready = true;                        // wait for the ready file
  std::chrono::milliseconds timeout{10000};
};

class LoupeProcess {
 public:
  explicit LoupeProcess(LaunchOptions options = {});
  ~LoupeProcess();  // SIGKILL if still running
  LoupeProcess(const LoupeProcess&) = delete;
  LoupeProcess& operator=(const LoupeProcess&) = delete;

  bool ready() const { return ready_; }
  pid_t pid() const { return pid_; }
  // Bound "ip:port" by listener name (http, loki, prometheus, tempo, otlp_grpc, otlp_http).
  std::string Addr(const std::string& name) const;
  const std::map<std::string, std::string>& ready_json() const { return ready_json_; }
  const std::string& ready_file() const { return ready_file_; }
  std::string Stderr() const;

  // Sends `sig` and waits up to `timeout` for exit. Returns the exit status (128+sig if killed
  // by a signal) or -1 on timeout.
  int Stop(int sig, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // Waits for the process to exit on its own; same return as Stop.
  int Wait(std::chrono::milliseconds timeout);

 private:
  TempDir dir_;
  std::string ready_file_, stderr_file_;
  pid_t pid_ = -1;
  bool ready_ = false;
  bool exited_ = false;
  int exit_status_ = -1;
  std::map<std::string, std::string> ready_json_;
};

// The path of the loupe binary under test and of promtool (compile-time configured).
std::string LoupeBinary();
std::string PromtoolBinary();

// Runs a command, returning exit status and combined output.
int RunCommand(const std::vector<std::string>& argv, std::string* output);

// Reserves a free TCP port on 127.0.0.1 by binding and closing.
int FreePort();

}  // namespace loupe::testing

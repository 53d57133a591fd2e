// Server: HTTP/1.1 on Boost.Beast. Owns listeners and connections; everything about requests
// themselves is the Dispatcher's.
//
// Connections are keep-alive, with `Expect: 100-continue` answered, headers capped at 1 MiB,
// raw bodies capped at the dispatcher's body cap (413 before reading the rest), an idle timeout
// between requests and the request timeout while reading and writing one. Handlers marked
// inline run on the I/O threads; the others on a separate worker pool.
//
// Lifecycle: Listen() each address, Start(), later StopAccepting() (listeners close, idle
// connections close, responses in flight finish with Connection: close), then Drain(deadline)
// waits for in-flight requests.
// Thread-safety: all methods are safe to call from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "appliance/http/dispatcher.h"
#include "storage/base/result.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace loupe::appliance::http {

struct ServerOptions {
  uint64_t max_body_bytes = 20ull << 20;
  int64_t request_timeout_ns = 120'000'000'000;
  int64_t idle_timeout_ns = 120'000'000'000;
  // When set, a connection that opens with the HTTP/2 client preface ("PRI * HTTP/2.0", i.e. a
  // gRPC client speaking h2c with prior knowledge) is handed over as a raw fd, which the callee
  // owns. HTTP/1.1 connections are served as before.
  std::function<void(int fd)> h2c_handoff;
};

// Called once per answered request, after the response is written.
struct RequestRecord {
  const Route* route = nullptr;  // null when unrouted (404/405/auth failure before routing)
  Method method = Method::kGet;
  int status = 0;
  double seconds = 0;
  size_t wire_body_bytes = 0;
  size_t decoded_body_bytes = 0;
};
using RequestObserver = std::function<void(const RequestRecord&)>;

class Server {
 public:
  Server(boost::asio::io_context& io, boost::asio::thread_pool& workers, const Dispatcher& dispatcher,
         ServerOptions options, RequestObserver observer);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0 = any free port) and returns the bound "ip:port".
  // kUnavailable "listen tcp 127.0.0.1:3333: bind: address already in use" when taken.
  Result<std::string> Listen(const std::string& host, uint16_t port);

  void Start();
  void StopAccepting();
  // True if every in-flight request finished before `deadline`.
  bool Drain(std::chrono::steady_clock::time_point deadline);

  int InFlight() const;

  struct Impl;  // defined in server.cc (connections need it)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace loupe::appliance::http

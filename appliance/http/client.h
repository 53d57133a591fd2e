// HttpClient: a small synchronous HTTP/1.1 client (Boost.Beast) with keep-alive — one object is
// one connection, reconnecting when the server closes it. Used by the load generators, the
// integration tests, and later by forwarding. Not thread-safe: one per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace loupe::appliance::http {

struct RequestOptions {
  std::chrono::milliseconds timeout{30000};  // whole request: connect, write, read
  uint64_t max_body_bytes = 1ull << 30;      // larger responses fail ("body limit exceeded")
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(const std::string& addr);  // "127.0.0.1:port"
  ~HttpClient();

  // Any failure (connect, read) yields status 0 and the error text in body.
  HttpResponse Request(const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& body = "", const RequestOptions& options = {});
  HttpResponse Get(const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return Request("GET", target, headers);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
HttpResponse HttpGet(const std::string& addr, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace loupe::appliance::http

// Request and Response: loupe's own HTTP message types. The Beast connection (server.cc) turns
// wire bytes into a Request and a Response back into bytes; routing and handlers never see Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loupe::appliance::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view MethodName(Method m);
Method ParseMethod(std::string_view m);

// An ordered multi-map of decoded parameters (query string and form body), as Go's url.Values.
class Params {
 public:
  void Add(std::string key, std::string value) { items_.emplace_back(std::move(key), std::move(value)); }
  // First value, or nullptr.
  const std::string* Get(std::string_view key) const;
  std::string GetOr(std::string_view key, std::string_view fallback) const;
  std::vector<std::string> GetAll(std::string_view key) const;
  bool Has(std::string_view key) const { return Get(key) != nullptr; }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
  Method method = Method::kGet;
  std::string target;     // raw request-target, e.g. "/api/v1/query?query=up"
  std::string path;       // raw (still percent-encoded) path part of target
  std::string raw_query;  // after '?', undecoded
  // Header names are lower-cased; repeated headers appear repeatedly.
  std::vector<std::pair<std::string, std::string>> headers;
  // The body after Content-Encoding decoding (bounded by the server's cap).
  std::string body;
  size_t wire_body_bytes = 0;  // as received, before decoding
  std::string remote;          // "ip:port" of the peer

  // Filled by the router: path parameters by name (percent-decoded), and parameters from the
  // query string, followed by those of an application/x-www-form-urlencoded body.
  std::vector<std::pair<std::string, std::string>> path_params;
  Params params;

  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  // First header value with this (lower-case) name, or "".
  std::string_view Header(std::string_view lower_name) const;
  std::string_view PathParam(std::string_view name) const;
  // X-Scope-OrgID, or "anonymous" when absent (Loki/Tempo/Mimir convention).
  std::string Tenant() const;
  bool Expired() const { return std::chrono::steady_clock::now() >= deadline; }
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;  // send Connection: close and shut the connection after this response

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);
  static Response NoContent() { return Response{204, "", {}, "", false}; }
};

}  // namespace loupe::appliance::http

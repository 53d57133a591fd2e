// Dispatcher: everything between "a complete request arrived" and "a response is ready",
// independent of sockets: authentication, routing (404/405), Content-Encoding decoding under the
// body cap (413/415), query and form parameters, invoking the handler, mapping errors, and gzip
// of large responses when the client accepts it. The Beast server (server.h) calls Prepare()
// on its I/O thread and Invoke() inline or on the worker pool as the route asks.
//
// Thread-safety: const after construction; Prepare/Invoke may run concurrently.
#pragma once

#include <optional>
#include <string>

#include "appliance/http/request.h"
#include "appliance/http/router.h"

namespace loupe::appliance::http {

struct DispatcherOptions {
  uint64_t max_body_bytes = 20ull << 20;  // after decompression
  std::string auth_token;                 // empty: no authentication
  size_t gzip_min_bytes = 1024;
};

class Dispatcher {
 public:
  Dispatcher(const Router& router, DispatcherOptions options);

  struct Prepared {
    const Route* route = nullptr;       // set when the handler should run
    std::optional<Response> response;   // set when the request is answered already (errors)
  };
  // Authenticates, routes, decodes the body and parses parameters. Also sets request.path and
  // request.raw_query from request.target.
  Prepared Prepare(Request& request) const;

  // Runs the route's handler (catching any exception escaping a library as a 500) and
  // post-processes the response (compression).
  Response Invoke(const Route& route, Request& request) const;

  // Post-processing shared by early responses: gzip when accepted and worthwhile.
  void Finish(const Request& request, Response& response) const;

 private:
  bool Authorized(const Request& request) const;
  const Router& router_;
  DispatcherOptions options_;
};

}  // namespace loupe::appliance::http

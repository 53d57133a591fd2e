// Router: maps (method, path) to a handler. Patterns are literal segments, `{name}` for one
// segment and `{name...}` for the rest of the path; literal segments win over parameters.
// A path that matches a pattern under a different method yields 405 with the allowed methods.
//
// Routes are added at startup; Find() is then safe to call concurrently (the router is never
// modified after the server starts).
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "appliance/http/request.h"
#include "appliance/http/websocket.h"

namespace loupe::appliance::http {

// Which API's conventions an endpoint follows: decides the error body format.
enum class ApiFamily { kPlain, kPrometheus, kLoki, kTempo, kOtlp, kStudio };

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  ApiFamily family = ApiFamily::kPlain;
  // Cheap handlers (no I/O, bounded CPU) run on the connection's I/O thread; others on the
  // worker pool so a slow query never stalls reads and writes of other connections.
  bool inline_handler = false;
  // Liveness/readiness probes answer without credentials.
  bool auth_exempt = false;
  // Set for streaming routes: an upgrade request goes here after the handshake; a plain request
  // gets the ordinary handler.
  WebSocketHandler websocket;
};

struct Route {
  std::string pattern;  // also the `handler` label of request metrics
  std::vector<Method> methods;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  Router();
  ~Router();

  // Registers `handler` for `methods` on `pattern`. GET routes also answer HEAD.
  void Handle(std::initializer_list<Method> methods, std::string_view pattern, Handler handler,
              RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;  // null: not found or method not allowed
    bool method_not_allowed = false;
    std::string allow;  // for 405: "GET, POST"
    std::vector<std::pair<std::string, std::string>> params;  // decoded path parameters
  };
  Match Find(Method method, std::string_view path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Node;
  bool FindIn(const Node* node, const std::vector<std::string_view>& segs, size_t i,
              std::vector<std::pair<std::string, std::string>>* params,
              const std::vector<Route*>** out) const;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace loupe::appliance::http

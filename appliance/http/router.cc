#include "appliance/http/router.h"

#include <algorithm>
#include <cstdlib>

#include "appliance/http/url.h"

namespace loupe::appliance::http {

struct Router::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>> literal;
  std::unique_ptr<Node> param;      // {name}
  std::string param_name;
  std::vector<Route*> rest_routes;  // {name...} terminating here
  std::string rest_name;
  std::vector<Route*> routes;       // routes ending exactly at this node
};

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> segs;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segs.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segs;
}

const Route* PickMethod(const std::vector<Route*>& routes, Method m) {
  for (const Route* r : routes) {
    for (Method rm : r->methods) {
      if (rm == m || (m == Method::kHead && rm == Method::kGet)) return r;
    }
  }
  return nullptr;
}

std::string AllowHeader(const std::vector<Route*>& routes) {
  std::vector<std::string_view> names;
  for (const Route* r : routes) {
    for (Method m : r->methods) {
      names.push_back(MethodName(m));
      if (m == Method::kGet) names.push_back("HEAD");
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::Handle(std::initializer_list<Method> methods, std::string_view pattern,
                    Handler handler, RouteOptions options) {
  auto route = std::make_unique<Route>();
  route->pattern = std::string(pattern);
  route->methods = methods;
  route->handler = std::move(handler);
  route->options = options;
  Node* node = root_.get();
  const auto segs = Split(pattern);
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto seg = segs[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      std::string name(seg.substr(1, seg.size() - 2));
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        if (i + 1 != segs.size()) std::abort();  // {rest...} must be last: a programming error
        node->rest_name = name.substr(0, name.size() - 3);
        node->rest_routes.push_back(route.get());
        routes_.push_back(std::move(route));
        return;
      }
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = name;
      }
      node = node->param.get();
    } else {
      auto& child = node->literal[std::string(seg)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  node->routes.push_back(route.get());
  routes_.push_back(std::move(route));
}

bool Router::FindIn(const Node* node, const std::vector<std::string_view>& segs, size_t i,
                    std::vector<std::pair<std::string, std::string>>* params,
                    const std::vector<Route*>** out) const {
  if (i == segs.size()) {
    if (!node->routes.empty()) {
      *out = &node->routes;
      return true;
    }
    return false;
  }
  if (auto it = node->literal.find(std::string(segs[i])); it != node->literal.end()) {
    if (FindIn(it->second.get(), segs, i + 1, params, out)) return true;
  }
  if (node->param && !segs[i].empty()) {
    auto decoded = PercentDecode(segs[i], false);
    params->emplace_back(node->param_name, decoded.ok() ? *decoded : std::string(segs[i]));
    if (FindIn(node->param.get(), segs, i + 1, params, out)) return true;
    params->pop_back();
  }
  if (!node->rest_routes.empty()) {
    std::string rest;
    for (size_t j = i; j < segs.size(); ++j) {
      if (j > i) rest += '/';
      rest += segs[j];
    }
    auto decoded = PercentDecode(rest, false);
    params->emplace_back(node->rest_name, decoded.ok() ? *decoded : rest);
    *out = &node->rest_routes;
    return true;
  }
  return false;
}

Router::Match Router::Find(Method method, std::string_view path) const {
  Match m;
  const std::vector<Route*>* routes = nullptr;
  if (path.empty() || path.front() != '/') return m;
  if (!FindIn(root_.get(), Split(path), 0, &m.params, &routes)) return m;
  m.route = PickMethod(*routes, method);
  if (!m.route) {
    m.method_not_allowed = true;
    m.allow = AllowHeader(*routes);
    m.params.clear();
  }
  return m;
}

}  // namespace loupe::appliance::http

#include "appliance/http/request.h"

namespace loupe::appliance::http {

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kPatch: return "PATCH";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

Method ParseMethod(std::string_view m) {
  if (m == "GET") return Method::kGet;
  if (m == "HEAD") return Method::kHead;
  if (m == "POST") return Method::kPost;
  if (m == "PUT") return Method::kPut;
  if (m == "DELETE") return Method::kDelete;
  if (m == "PATCH") return Method::kPatch;
  if (m == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

const std::string* Params::Get(std::string_view key) const {
  for (const auto& [k, v] : items_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Params::GetOr(std::string_view key, std::string_view fallback) const {
  const auto* v = Get(key);
  return v ? *v : std::string(fallback);
}

std::vector<std::string> Params::GetAll(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : items_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

std::string_view Request::PathParam(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) return v;
  }
  return {};
}

std::string Request::Tenant() const {
  auto t = Header("x-scope-orgid");
  return t.empty() ? "anonymous" : std::string(t);
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace loupe::appliance::http

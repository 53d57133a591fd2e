// The credential check shared by HTTP and gRPC: `Authorization: Bearer <token>`, or basic auth
// with the token as password and any user name (what Grafana data sources send).
#pragma once

#include <string_view>

namespace loupe::appliance::http {

// True when `token` is empty (no authentication configured) or `authorization` carries it.
// Compares in constant time.
bool Authorized(std::string_view authorization, std::string_view token);

}  // namespace loupe::appliance::http

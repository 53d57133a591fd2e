#include "appliance/api/prom_json.h"

namespace loupe::appliance::api {

http::Response PromSuccessRaw(std::string data_json, const std::vector<std::string>& warnings,
                              const std::vector<std::string>& infos) {
  std::string body;
  body.reserve(data_json.size() + 64);
  body += "{\"status\":\"success\",\"data\":";
  body += data_json;
  if (!warnings.empty()) {
    body += ",\"warnings\":";
    body += nlohmann::json(warnings).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (!infos.empty()) {
    body += ",\"infos\":";
    body += nlohmann::json(infos).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  body += '}';
  return http::Response::Json(200, std::move(body));
}

http::Response PromSuccess(const nlohmann::json& data, const std::vector<std::string>& warnings,
                           const std::vector<std::string>& infos) {
  return PromSuccessRaw(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), warnings, infos);
}

}  // namespace loupe::appliance::api

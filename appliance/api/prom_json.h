// Prometheus API envelope helpers: {"status":"success","data":...,"warnings":[...],"infos":[...]}.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/http/request.h"

namespace loupe::appliance::api {

http::Response PromSuccess(const nlohmann::json& data, const std::vector<std::string>& warnings = {},
                           const std::vector<std::string>& infos = {});
// For large results built by hand: `data_json` is spliced in verbatim.
http::Response PromSuccessRaw(std::string data_json, const std::vector<std::string>& warnings = {},
                              const std::vector<std::string>& infos = {});

}  // namespace loupe::appliance::api

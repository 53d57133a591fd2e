// Process logging: spdlog to stderr, as text ("2026-11-22T13:50:46.123Z info  message") or as
// one JSON object per line ({"ts":"…","level":"info","msg":"…"}) for log shippers.
#pragma once

#include <string_view>

#include "storage/base/status.h"

namespace loupe::appliance {

enum class LogFormat { kText, kJson };

// Configures the default spdlog logger. kInvalidArgument for an unknown level name
// (trace, debug, info, warn, error, off).
Status SetupLogging(std::string_view level, LogFormat format);

}  // namespace loupe::appliance

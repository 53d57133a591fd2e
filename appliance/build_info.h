// Version and source revision of this binary, filled in at build time
// (cmake/WriteBuildInfo.cmake writes build_info_gen.cc).
#pragma once

#include <string>

namespace loupe {

struct BuildInfo {
  std::string version;     // "0.1.0"
  std::string revision;    // full git commit or "unknown"
  std::string branch;
  std::string build_date;  // commit date, ISO 8601
  std::string compiler;    // e.g. "GNU-12.2.0"
};

const BuildInfo& GetBuildInfo();

}  // namespace loupe

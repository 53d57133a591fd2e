// CRC-32C (Castagnoli), the checksum of loupe's write-ahead logs (as in leveldb, RocksDB and
// Prometheus's WAL). Uses the SSE4.2 instruction when the CPU has it, a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace loupe {

// Extends `crc` (0 to start) over `data`.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(std::string_view s) { return Crc32cExtend(0, s.data(), s.size()); }

}  // namespace loupe

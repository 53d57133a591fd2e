// Fuzz target for the Prometheus text format parser; see fuzz_util.h for what it checks.
#include <cstddef>
#include <cstdint>

#include "ingest/prom/textparse/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  loupe::ingest::prom::fuzz::Run(loupe::ingest::prom::ExpositionFormat::kPromText, data, size);
  return 0;
}

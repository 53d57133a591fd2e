// Fuzz target for the log chunk decoder. The first byte picks the mode:
//   0: the rest is a chunk: open it and read every block (must never crash; errors are fine)
//   1: the rest is a raw block: parse it sorted and unsorted, and load it as a head block
//   2: round trip: the rest is split into lines at '\n', timestamps come from the bytes; the
//      lines are compressed into a chunk and must read back identically (sorted by ts)
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/logstore/chunk.h"

using namespace loupe::storage::logstore;

namespace {

void Touch(const DecodedBlock& d) {
  size_t sum = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    sum += d.line(i).size() + d.metadata(i).size() + static_cast<size_t>(d.ts(i) & 1);
    (void)ValidMetadata(d.metadata(i));
  }
  if (sum == SIZE_MAX) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > (1 << 20)) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto r = ChunkReader::Open(in);
      if (!r.ok()) return 0;
      for (size_t i = 0; i < r->num_blocks(); ++i) {
        DecodedBlock d;
        if (r->ReadBlock(i, &d).ok()) Touch(d);
      }
      return 0;
    }
    case 1: {
      DecodedBlock d;
      if (d.Parse(std::string(in), true).ok()) Touch(d);
      if (d.Parse(std::string(in), false).ok()) Touch(d);
      HeadBlock h;
      (void)h.DecodeRaw(in);
      return 0;
    }
    default: {
      HeadBlock h;
      std::vector<std::pair<int64_t, std::string>> want;
      size_t pos = 0;
      int64_t ts = 0;
      while (pos < in.size()) {
        size_t nl = in.find('\n', pos);
        if (nl == std::string_view::npos) nl = in.size();
        const std::string_view line = in.substr(pos, nl - pos);
        ts += line.empty() ? -7 : static_cast<int64_t>(static_cast<uint8_t>(line[0])) - 100;
        h.Append(ts, line, "");
        want.emplace_back(ts, std::string(line));
        pos = nl + 1;
      }
      if (h.empty()) return 0;
      CompressedBlock b;
      if (!CompressBlock(h, (data[0] & 4) ? BlockCodec::kZstd : BlockCodec::kNone, 1, &b).ok())
        std::abort();
      const std::string chunk =
          EncodeChunk((data[0] & 4) ? BlockCodec::kZstd : BlockCodec::kNone, {&b});
      auto r = ChunkReader::Open(chunk);
      if (!r.ok()) std::abort();
      DecodedBlock d;
      if (!r->ReadBlock(0, &d).ok()) std::abort();
      std::stable_sort(want.begin(), want.end(),
                       [](const auto& a, const auto& c) { return a.first < c.first; });
      if (d.size() != want.size()) std::abort();
      for (size_t i = 0; i < d.size(); ++i) {
        if (d.ts(i) != want[i].first || d.line(i) != want[i].second) std::abort();
      }
      return 0;
    }
  }
}

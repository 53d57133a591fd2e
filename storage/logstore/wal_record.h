// The log store's write-ahead-log records (payloads of storage/wal records).
//
//   record  := type:u8 tenant:varint body
//   streams := n:varint ( ref:varint nlabels:varint (name:lp value:lp)* )*
//   entries := group*                                   (groups until the payload ends)
//   group   := ref:varint first_seq:varint n:varint ( ts:svarint line:lp metadata:lp )*
// ts is absolute for a group's first entry and a delta to the previous one after that;
// metadata is the entry's encoded structured metadata (chunk.h); entry k of a group has the
// stream sequence number first_seq + k (lp = varint length-prefixed bytes).
// Decoding is bounds-checked: a malformed payload yields kCorruption, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"

namespace loupe::storage::logstore {

enum class WalRecordType : uint8_t { kStreams = 1, kEntries = 2 };

struct WalEntryView {
  int64_t ts;
  std::string_view line;
  std::string_view metadata;
};

void EncodeWalHeader(WalRecordType type, uint32_t tenant, std::string* out);
// Appends the streams body: refs[i] with labels[offsets[i] .. offsets[i+1]).
void EncodeWalStreams(const std::vector<uint64_t>& refs, const std::vector<model::LabelRef>& labels,
                      const std::vector<uint32_t>& offsets, std::string* out);
// Appends one group of an entries record.
void EncodeWalGroup(uint64_t ref, uint64_t first_seq, const WalEntryView* entries, size_t n,
                    std::string* out);

struct WalStreamView {
  uint64_t ref;
  std::vector<model::LabelRef> labels;
};
struct WalGroup {
  uint64_t ref;
  uint64_t first_seq;
  uint32_t begin;  // into DecodedWalRecord::entries
  uint32_t count;
};
struct DecodedWalRecord {
  WalRecordType type = WalRecordType::kStreams;
  uint32_t tenant = 0;
  std::vector<WalStreamView> streams;
  std::vector<WalGroup> groups;
  std::vector<WalEntryView> entries;
};

// kCorruption on malformed input or an unknown type. Views point into `payload`.
Status DecodeWalRecord(std::string_view payload, DecodedWalRecord* out);

}  // namespace loupe::storage::logstore

#include "storage/logstore/wal_record.h"

#include "storage/base/coding.h"

namespace loupe::storage::logstore {
namespace {

Status Corrupt(const char* what) {
  return Status::Corruption(std::string("log WAL record: ") + what);
}

}  // namespace

void EncodeWalHeader(WalRecordType type, uint32_t tenant, std::string* out) {
  out->push_back(static_cast<char>(type));
  PutVarint64(out, tenant);
}

void EncodeWalStreams(const std::vector<uint64_t>& refs, const std::vector<model::LabelRef>& labels,
                      const std::vector<uint32_t>& offsets, std::string* out) {
  PutVarint64(out, refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    PutVarint64(out, refs[i]);
    PutVarint64(out, offsets[i + 1] - offsets[i]);
    for (uint32_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      PutLengthPrefixed(out, labels[k].name);
      PutLengthPrefixed(out, labels[k].value);
    }
  }
}

void EncodeWalGroup(uint64_t ref, uint64_t first_seq, const WalEntryView* entries, size_t n,
                    std::string* out) {
  PutVarint64(out, ref);
  PutVarint64(out, first_seq);
  PutVarint64(out, n);
  int64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = entries[i].ts;
    PutSignedVarint64(
        out,
        i == 0 ? t : static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(prev)));
    prev = t;
    PutLengthPrefixed(out, entries[i].line);
    PutLengthPrefixed(out, entries[i].metadata);
  }
}

Status DecodeWalRecord(std::string_view in, DecodedWalRecord* out) {
  out->streams.clear();
  out->groups.clear();
  out->entries.clear();
  if (in.empty()) return Corrupt("empty");
  const auto type = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if (!GetVarint32(&in, &out->tenant)) return Corrupt("bad tenant");
  switch (type) {
    case static_cast<uint8_t>(WalRecordType::kStreams): {
      out->type = WalRecordType::kStreams;
      uint64_t n;
      if (!GetVarint64(&in, &n) || n > in.size()) return Corrupt("bad stream count");
      for (uint64_t i = 0; i < n; ++i) {
        WalStreamView s;
        uint64_t nl;
        if (!GetVarint64(&in, &s.ref) || !GetVarint64(&in, &nl) || nl > in.size())
          return Corrupt("bad stream");
        s.labels.reserve(nl);
        for (uint64_t k = 0; k < nl; ++k) {
          model::LabelRef l;
          if (!GetLengthPrefixed(&in, &l.name) || !GetLengthPrefixed(&in, &l.value))
            return Corrupt("bad label");
          s.labels.push_back(l);
        }
        out->streams.push_back(std::move(s));
      }
      if (!in.empty()) return Corrupt("trailing bytes");
      return Status::OK();
    }
    case static_cast<uint8_t>(WalRecordType::kEntries): {
      out->type = WalRecordType::kEntries;
      while (!in.empty()) {
        WalGroup g;
        uint64_t n;
        if (!GetVarint64(&in, &g.ref) || !GetVarint64(&in, &g.first_seq) || !GetVarint64(&in, &n) ||
            n > in.size()) {
          return Corrupt("bad group");
        }
        g.begin = static_cast<uint32_t>(out->entries.size());
        g.count = static_cast<uint32_t>(n);
        int64_t prev = 0;
        for (uint64_t i = 0; i < n; ++i) {
          WalEntryView e;
          int64_t d;
          if (!GetSignedVarint64(&in, &d) || !GetLengthPrefixed(&in, &e.line) ||
              !GetLengthPrefixed(&in, &e.metadata)) {
            return Corrupt("bad entry");
          }
          e.ts = i == 0
                     ? d
                     : static_cast<int64_t>(static_cast<uint64_t>(prev) + static_cast<uint64_t>(d));
          prev = e.ts;
          out->entries.push_back(e);
        }
        out->groups.push_back(g);
      }
      return Status::OK();
    }
    default:
      return Corrupt("unknown type");
  }
}

}  // namespace loupe::storage::logstore

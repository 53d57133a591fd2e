#include "storage/spanstore/compact_record.h"

#include <absl/container/flat_hash_map.h>

#include "storage/base/coding.h"
#include "storage/spanstore/batch_codec.h"

namespace loupe::storage::spanstore {
namespace {

Status Bad(const std::string& what) { return Status::Corruption("trace record: " + what); }

// Copies the resource/scope structure of `in` (at its resource count) to *out, writing each
// span blob as `fn(blob, &buffer)` leaves it.
template <typename Fn>
Status CopyGroups(std::string_view in, std::string* out, Fn&& fn) {
  uint64_t nres;
  if (!GetVarint64(&in, &nres) || nres > in.size()) return Bad("bad resource count");
  PutVarint64(out, nres);
  std::string span;
  for (uint64_t r = 0; r < nres; ++r) {
    std::string_view hdr;
    uint64_t nscopes;
    if (!GetLengthPrefixed(&in, &hdr) || !GetVarint64(&in, &nscopes) || nscopes > in.size()) {
      return Bad("bad resource");
    }
    PutLengthPrefixed(out, hdr);
    PutVarint64(out, nscopes);
    for (uint64_t s = 0; s < nscopes; ++s) {
      std::string_view shdr;
      uint64_t nspans;
      if (!GetLengthPrefixed(&in, &shdr) || !GetVarint64(&in, &nspans) || nspans > in.size()) {
        return Bad("bad scope");
      }
      PutLengthPrefixed(out, shdr);
      PutVarint64(out, nspans);
      for (uint64_t k = 0; k < nspans; ++k) {
        std::string_view blob;
        if (!GetLengthPrefixed(&in, &blob)) return Bad("bad span length");
        span.clear();
        LOUPE_RETURN_IF_ERROR(fn(blob, &span));
        PutLengthPrefixed(out, span);
      }
    }
  }
  if (!in.empty()) return Bad("trailing bytes");
  return Status::OK();
}

}  // namespace

std::vector<uint32_t> TraceFirstRows(const BlockColumns& head, const BlockOrder& order) {
  std::vector<uint32_t> first(order.traces.size() + 1, 0);
  uint32_t row = 0;
  const auto ns = static_cast<uint32_t>(order.spans.size());
  for (size_t i = 0; i < order.traces.size(); ++i) {
    first[i] = row;
    while (row < ns && head.span_trace[order.spans[row]] == order.traces[i]) ++row;
  }
  first[order.traces.size()] = row;
  return first;
}

Status CompactTraceRecord(std::string_view record, uint32_t first_row,
                          const std::vector<uint64_t>& row_ids, std::string* out) {
  std::string_view in = record;
  if (in.size() < 18 || static_cast<uint8_t>(in[0]) != kBatchVersion ||
      static_cast<uint8_t>(in[1]) != kBatchSharedTraceId) {
    return Bad("not a batch with a shared trace id");
  }
  in.remove_prefix(18);
  absl::flat_hash_map<uint64_t, uint32_t> row_of;
  row_of.reserve(row_ids.size());
  // Equal ids (Tempo keeps both kinds of a client/server pair) map to the first row: either
  // row expands to the same id.
  for (uint32_t k = 0; k < row_ids.size(); ++k) row_of.emplace(row_ids[k], k);
  out->clear();
  out->push_back(static_cast<char>(kCompactRecordVersion));
  PutVarint64(out, first_row);
  return CopyGroups(in, out, [&](std::string_view blob, std::string* span) -> Status {
    std::string_view parent;
    if (blob.size() < 8) return Bad("short span");
    auto row = row_of.find(SpanIdFromBytes(blob.substr(0, 8)));
    if (row == row_of.end()) return Status::InvalidArgument("span id not among the trace's rows");
    blob.remove_prefix(8);
    if (!GetLengthPrefixed(&blob, &parent)) return Bad("bad parent id");
    PutVarint64(span, row->second);
    auto p = parent.size() == 8 ? row_of.find(SpanIdFromBytes(parent)) : row_of.end();
    if (parent.empty()) {
      PutVarint64(span, 0);
    } else if (p != row_of.end()) {
      PutVarint64(span, 2 + uint64_t{p->second});
    } else {
      PutVarint64(span, 1);
      PutLengthPrefixed(span, parent);
    }
    span->append(blob);
    return Status::OK();
  });
}

Status ExpandTraceRecord(std::string_view compact, const TraceId& id,
                         const std::vector<uint64_t>& span_ids, std::string* out) {
  std::string_view in = compact;
  uint64_t first_row;
  if (in.empty() || static_cast<uint8_t>(in[0]) != kCompactRecordVersion) return Bad("not compact");
  in.remove_prefix(1);
  if (!GetVarint64(&in, &first_row) || first_row > span_ids.size()) return Bad("bad first row");
  const uint64_t rows = span_ids.size() - first_row;
  out->clear();
  out->push_back(static_cast<char>(kBatchVersion));
  out->push_back(static_cast<char>(kBatchSharedTraceId));
  out->append(id.view());
  return CopyGroups(in, out, [&](std::string_view blob, std::string* span) -> Status {
    uint64_t row, parent;
    if (!GetVarint64(&blob, &row) || row >= rows) return Bad("bad span row");
    if (!GetVarint64(&blob, &parent)) return Bad("bad parent");
    span->append(SpanIdBytes(span_ids[first_row + row]));
    if (parent == 0) {
      PutVarint64(span, 0);
    } else if (parent == 1) {
      std::string_view pid;
      if (!GetLengthPrefixed(&blob, &pid)) return Bad("bad parent id");
      PutLengthPrefixed(span, pid);
    } else {
      if (parent - 2 >= rows) return Bad("bad parent row");
      PutLengthPrefixed(span, SpanIdBytes(span_ids[first_row + parent - 2]));
    }
    span->append(blob);
    return Status::OK();
  });
}

}  // namespace loupe::storage::spanstore

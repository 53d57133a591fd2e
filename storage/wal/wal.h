// Wal: an append-only, segmented write-ahead log of opaque records, shared by the metric, log
// and span stores. A store acknowledges a write only after Append() returned, so a process
// crash (kill -9) loses nothing acknowledged; with `sync` set, power loss neither.
//
// Layout: <dir>/<20-digit segment index>, segments rotate at `segment_bytes`. See FORMAT below.
// Recovery (Replay): a record that fails its checksum or runs past the end of its segment ends
// that segment: in the last segment it is a torn tail, truncated so new records follow good
// ones; elsewhere the rest of the segment is skipped. Both are counted in ReplayStats, never a
// refusal to open.
//
// FORMAT (all integers little-endian):
//   segment := record*
//   record  := length:u32 crc32c:u32 payload:byte[length]      (crc32c over payload)
// Records never span segments; a record larger than a segment gets a segment of its own.
//
// Thread-safety: Append/Rotate/Sync/TruncateBefore are serialised internally; Replay must run
// before the first Append.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"

namespace loupe::storage::wal {

struct WalOptions {
  uint64_t segment_bytes = 64ull << 20;
  bool sync = false;  // fsync after every Append
};

struct ReplayStats {
  uint64_t segments = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t torn_tails = 0;          // last segment ended in a partial/corrupt record (truncated)
  uint64_t corrupt_segments = 0;    // an earlier segment had a corrupt record (rest skipped)
  uint64_t dropped_bytes = 0;       // bytes not replayed because of the above
};

class Wal {
 public:
  // Opens (creating) the log in `dir`. New records go to a fresh segment after the last one.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, const WalOptions& options);
  ~Wal();

  // Calls `fn` for every intact record of segments >= `from_segment`, in order. Stops early if
  // `fn` returns an error (which is returned). Truncates a torn tail of the last segment.
  Status Replay(uint64_t from_segment, const std::function<Status(std::string_view)>& fn,
                ReplayStats* stats);

  // Appends records with one write(2). kIOError (and the log stays usable) on failure.
  Status Append(const std::vector<std::string_view>& records);
  Status Append(std::string_view record) { return Append(std::vector<std::string_view>{record}); }
  Status Sync();

  // Starts a new segment; returns its index. Records appended afterwards land in it.
  Result<uint64_t> Rotate();
  // Deletes every segment with index < `segment` (never the current one).
  Status TruncateBefore(uint64_t segment);

  uint64_t CurrentSegment() const;
  uint64_t FirstSegment() const;
  uint64_t TotalBytes() const;

 private:
  Wal(std::string dir, WalOptions options) : dir_(std::move(dir)), options_(options) {}
  std::string SegmentPath(uint64_t index) const;
  Status OpenSegmentLocked(uint64_t index);
  std::vector<uint64_t> ListSegments() const;

  std::string dir_;
  WalOptions options_;
  mutable std::mutex mu_;
  int fd_ = -1;
  uint64_t current_ = 0;
  uint64_t current_bytes_ = 0;
  uint64_t closed_bytes_ = 0;  // bytes in segments other than the current one
};

}  // namespace loupe::storage::wal

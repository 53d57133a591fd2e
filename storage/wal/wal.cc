#include "storage/wal/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace loupe::storage::wal {
namespace {

constexpr size_t kHeader = 8;

Status Errno(const std::string& what) { return Status::IOError(what + ": " + std::strerror(errno)); }

bool ParseIndex(const std::string& name, uint64_t* out) {
  if (name.size() != 20) return false;
  uint64_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

Status ReadFile(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("stat " + path);
  }
  out->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out->size()) {
    const ssize_t n = ::pread(fd, out->data() + done, out->size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Errno("read " + path);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, const WalOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  std::unique_ptr<Wal> w(new Wal(dir, options));
  const auto segments = w->ListSegments();
  for (uint64_t s : segments) {
    w->closed_bytes_ += std::filesystem::file_size(w->SegmentPath(s), ec);
  }
  w->current_ = segments.empty() ? 0 : segments.back() + 1;
  return w;
}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Wal::SegmentPath(uint64_t index) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu", static_cast<unsigned long long>(index));
  return dir_ + "/" + name;
}

std::vector<uint64_t> Wal::ListSegments() const {
  std::vector<uint64_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    uint64_t idx;
    if (e.is_regular_file(ec) && ParseIndex(e.path().filename().string(), &idx)) out.push_back(idx);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status Wal::Replay(uint64_t from_segment, const std::function<Status(std::string_view)>& fn,
                   ReplayStats* stats) {
  std::lock_guard lock(mu_);
  ReplayStats local;
  ReplayStats& st = stats ? *stats : local;
  const auto segments = ListSegments();
  std::string data;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i] < from_segment) continue;
    const bool last = i + 1 == segments.size();
    const std::string path = SegmentPath(segments[i]);
    LOUPE_RETURN_IF_ERROR(ReadFile(path, &data));
    ++st.segments;
    size_t pos = 0;
    bool bad = false;
    while (pos < data.size()) {
      if (data.size() - pos < kHeader) {
        bad = true;
        break;
      }
      const uint32_t len = DecodeFixed32(data.data() + pos);
      const uint32_t crc = DecodeFixed32(data.data() + pos + 4);
      if (len > data.size() - pos - kHeader) {
        bad = true;
        break;
      }
      const std::string_view payload(data.data() + pos + kHeader, len);
      if (Crc32c(payload) != crc) {
        bad = true;
        break;
      }
      LOUPE_RETURN_IF_ERROR(fn(payload));
      ++st.records;
      st.bytes += kHeader + len;
      pos += kHeader + len;
    }
    if (bad) {
      st.dropped_bytes += data.size() - pos;
      if (last) {
        ++st.torn_tails;
        if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) return Errno("truncate " + path);
        closed_bytes_ -= std::min<uint64_t>(closed_bytes_, data.size() - pos);
      } else {
        ++st.corrupt_segments;
      }
    }
  }
  return Status::OK();
}

Status Wal::OpenSegmentLocked(uint64_t index) {
  if (fd_ >= 0) {
    ::close(fd_);
    closed_bytes_ += current_bytes_;
  }
  fd_ = ::open(SegmentPath(index).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("open WAL segment " + SegmentPath(index));
  current_ = index;
  current_bytes_ = 0;
  return Status::OK();
}

Status Wal::Append(const std::vector<std::string_view>& records) {
  std::lock_guard lock(mu_);
  size_t total = 0;
  for (auto r : records) total += kHeader + r.size();
  if (fd_ < 0 || (current_bytes_ > 0 && current_bytes_ + total > options_.segment_bytes)) {
    LOUPE_RETURN_IF_ERROR(OpenSegmentLocked(fd_ < 0 ? current_ : current_ + 1));
  }
  // Headers in one buffer, payloads gathered from the callers' memory: one writev.
  std::string headers;
  headers.reserve(records.size() * kHeader);
  for (auto r : records) {
    PutFixed32(&headers, static_cast<uint32_t>(r.size()));
    PutFixed32(&headers, Crc32c(r));
  }
  std::vector<iovec> iov;
  iov.reserve(records.size() * 2);
  for (size_t i = 0; i < records.size(); ++i) {
    iov.push_back({headers.data() + i * kHeader, kHeader});
    if (!records[i].empty()) iov.push_back({const_cast<char*>(records[i].data()), records[i].size()});
  }
  size_t idx = 0;
  size_t written_total = 0;
  while (idx < iov.size()) {
    const int cnt = static_cast<int>(std::min<size_t>(iov.size() - idx, IOV_MAX));
    const ssize_t n = ::writev(fd_, iov.data() + idx, cnt);
    if (n < 0) {
      if (errno == EINTR) continue;
      const Status s = Errno("write WAL segment " + SegmentPath(current_));
      // A partial record may now sit at the tail; start a new segment so the next append does
      // not follow it (replay treats the partial record as a torn tail of that segment).
      (void)OpenSegmentLocked(current_ + 1);
      return s;
    }
    written_total += static_cast<size_t>(n);
    size_t left = static_cast<size_t>(n);
    while (idx < iov.size() && left >= iov[idx].iov_len) left -= iov[idx++].iov_len;
    if (left > 0) {
      iov[idx].iov_base = static_cast<char*>(iov[idx].iov_base) + left;
      iov[idx].iov_len -= left;
    }
  }
  current_bytes_ += written_total;
  if (options_.sync && ::fdatasync(fd_) != 0) return Errno("fdatasync WAL");
  return Status::OK();
}

Status Wal::Sync() {
  std::lock_guard lock(mu_);
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) return Errno("fdatasync WAL");
  return Status::OK();
}

Result<uint64_t> Wal::Rotate() {
  std::lock_guard lock(mu_);
  const uint64_t next = fd_ < 0 ? current_ : current_ + 1;
  LOUPE_RETURN_IF_ERROR(OpenSegmentLocked(next));
  return next;
}

Status Wal::TruncateBefore(uint64_t segment) {
  std::lock_guard lock(mu_);
  for (uint64_t s : ListSegments()) {
    if (s >= segment || (fd_ >= 0 && s == current_)) continue;
    std::error_code ec;
    const auto size = std::filesystem::file_size(SegmentPath(s), ec);
    if (!std::filesystem::remove(SegmentPath(s), ec) || ec) {
      return Status::IOError("cannot remove WAL segment " + SegmentPath(s) + ": " + ec.message());
    }
    closed_bytes_ -= std::min<uint64_t>(closed_bytes_, size);
  }
  return Status::OK();
}

uint64_t Wal::CurrentSegment() const {
  std::lock_guard lock(mu_);
  return current_;
}

uint64_t Wal::FirstSegment() const {
  std::lock_guard lock(mu_);
  const auto segments = ListSegments();
  return segments.empty() ? current_ : segments.front();
}

uint64_t Wal::TotalBytes() const {
  std::lock_guard lock(mu_);
  return closed_bytes_ + current_bytes_;
}

}  // namespace loupe::storage::wal

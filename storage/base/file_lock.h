// FileLock: an exclusive advisory lock on a file (flock), held for the lifetime of the object.
//
// The data directory is locked so that two loupe processes never open the same RocksDB/SQLite
// files. The holder's pid is written into the lock file; a second Acquire() fails with
// kFailedPrecondition naming that pid. The lock dies with the process (kill -9 included), so a
// stale lock file never blocks a restart.
#pragma once

#include <memory>
#include <string>

#include "storage/base/result.h"

namespace loupe {

class FileLock {
 public:
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Creates `path` if needed and takes the lock without blocking.
  // `what` names the locked thing in the error ("data directory /x").
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& path,
                                                   const std::string& what);

  const std::string& path() const { return path_; }

 private:
  FileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

}  // namespace loupe

#include "storage/base/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace loupe {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// "pid 1234 (loupe serve --data-dir x)" when /proc tells, else "pid 1234".
std::string DescribeHolder(const std::string& contents) {
  std::string pid;
  for (char c : contents) {
    if (c >= '0' && c <= '9') pid += c;
    else if (!pid.empty()) break;
  }
  if (pid.empty()) return "another process";
  std::string cmdline = ReadSmallFile("/proc/" + pid + "/cmdline");
  for (auto& c : cmdline) {
    if (c == '\0') c = ' ';
  }
  while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
  if (cmdline.empty()) return "pid " + pid;
  return "pid " + pid + " (" + cmdline + ")";
}

}  // namespace

Result<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path,
                                                    const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IOError("cannot open lock file " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::FailedPrecondition(what + " is in use by another loupe: " +
                                        DescribeHolder(ReadSmallFile(path)) + "; lock file " +
                                        path);
    }
    return Status::IOError("cannot lock " + path + ": " + std::strerror(err));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    const int err = errno;
    ::close(fd);
    return Status::IOError("cannot write lock file " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<FileLock>(new FileLock(path, fd));
}

FileLock::~FileLock() {
  // Leave the file in place (removing it would race a concurrent Acquire); just drop the lock.
  if (fd_ >= 0) {
    if (::ftruncate(fd_, 0) != 0) { /* best effort */ }
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace loupe

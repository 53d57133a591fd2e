#include "storage/base/file_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/testing/temp_dir.h"

namespace loupe {
namespace {

TEST(FileLockTest, SecondAcquireFailsNamingHolder) {
  testing::TempDir dir("lock_test");
  const auto path = dir.Sub("LOCK");
  auto first = FileLock::Acquire(path, "data directory X");
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = FileLock::Acquire(path, "data directory X");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("data directory X is in use by another loupe"),
            std::string::npos);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.status();
}

TEST(FileLockTest, ReleasedOnDestruction) {
  testing::TempDir dir("lock_test");
  const auto path = dir.Sub("LOCK");
  { auto first = FileLock::Acquire(path, "d"); ASSERT_TRUE(first.ok()); }
  auto again = FileLock::Acquire(path, "d");
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(FileLockTest, StaleLockFileDoesNotBlock) {
  // A lock file left by a crashed process (pid written, no flock held) must not block.
  testing::TempDir dir("lock_test");
  const auto path = dir.Sub("LOCK");
  FILE* f = fopen(path.c_str(), "w");
  fputs("999999\n", f);
  fclose(f);
  auto lock = FileLock::Acquire(path, "d");
  EXPECT_TRUE(lock.ok()) << lock.status();
}

TEST(FileLockTest, UnwritableDirectoryIsIOError) {
  auto lock = FileLock::Acquire("/nonexistent-dir-for-loupe/LOCK", "d");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace loupe

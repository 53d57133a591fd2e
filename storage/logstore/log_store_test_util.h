// Test fixture shared by the log store tests: a store in a temp dir on a manual clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/base/clock.h"
#include "storage/kv/rocks_store.h"
#include "storage/logstore/log_store.h"
#include "tests/testing/temp_dir.h"

namespace loupe::storage::logstore {

inline constexpr int64_t kSec = 1000000000;
inline constexpr int64_t kNow = 1'700'000'000 * kSec;

using Entries = std::vector<std::pair<int64_t, std::string>>;

class LogStoreFixture : public ::testing::Test {
 protected:
  LogStoreFixture() : dir_("logstore"), clock_(kNow) {
    opts_.clock = &clock_;
    opts_.maintenance_interval_ms = 0;
  }
  void SetUp() override { Open(); }

  void Open() {
    auto kv = kv::RocksStore::Open(dir_.Sub("db"), {}, LogStore::ColumnFamilies());
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
    auto s = LogStore::Open(*kv_, dir_.Sub("wal"), opts_);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void Reopen() {
    store_.reset();
    kv_.reset();
    Open();
  }

  PushStats Push(const std::string& tenant, const model::Labels& labels, const Entries& entries,
                 const std::vector<model::LabelRef>& md = {}) {
    auto app = store_->NewAppender(tenant);
    app->AddStream(labels);
    for (const auto& [ts, line] : entries) app->AddEntry(ts, line, md.data(), md.size());
    auto r = app->Commit();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::move(*r) : PushStats{};
  }

  static model::Matcher M(const std::string& name, const std::string& value,
                          model::MatchType type = model::MatchType::kEqual) {
    return *model::Matcher::Create(type, name, value);
  }

  // Every entry of the selected streams, stream after stream (streams sorted by labels).
  Entries Read(const std::string& tenant, std::vector<model::Matcher> matchers,
               int64_t start = INT64_MIN, int64_t end = INT64_MAX,
               Direction dir = Direction::kForward,
               std::shared_ptr<const LineFilter> filter = nullptr) {
    SelectRequest req;
    req.matchers = std::move(matchers);
    req.start_ns = start;
    req.end_ns = end;
    req.direction = dir;
    req.filter = std::move(filter);
    auto streams = store_->Select(tenant, req);
    EXPECT_TRUE(streams.ok()) << streams.status();
    Entries out;
    if (!streams.ok()) return out;
    for (auto& s : *streams) {
      while (s.entries->Next()) out.emplace_back(s.entries->ts(), std::string(s.entries->line()));
      EXPECT_TRUE(s.entries->status().ok()) << s.entries->status();
    }
    return out;
  }

  loupe::testing::TempDir dir_;
  ManualClock clock_;
  LogStoreOptions opts_;
  std::unique_ptr<kv::RocksStore> kv_;
  std::unique_ptr<LogStore> store_;
};

}  // namespace loupe::storage::logstore

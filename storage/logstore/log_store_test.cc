#include "storage/logstore/log_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "storage/logstore/log_store_test_util.h"

namespace loupe::storage::logstore {
namespace {

using LogstoreStoreTest = LogStoreFixture;

TEST_F(LogstoreStoreTest, PushAndReadBothDirections) {
  const model::Labels api{{"app", "api"}, {"env", "dev"}};
  const model::Labels web{{"app", "web"}};
  const std::vector<model::LabelRef> md = {{"trace_id", "t1"}};
  PushStats st = Push("t", api, {{kNow, "a1"}, {kNow + 2, "a3"}, {kNow + 1, "a2"}}, md);
  EXPECT_EQ(st.entries_accepted, 3u);
  EXPECT_EQ(st.streams_created, 1u);
  EXPECT_EQ(st.num_rejected(), 0u);
  Push("t", web, {{kNow + 5, "w1"}});
  EXPECT_EQ(Read("t", {M("app", "api")}),
            (Entries{{kNow, "a1"}, {kNow + 1, "a2"}, {kNow + 2, "a3"}}));
  EXPECT_EQ(Read("t", {M("app", "api")}, INT64_MIN, INT64_MAX, Direction::kBackward),
            (Entries{{kNow + 2, "a3"}, {kNow + 1, "a2"}, {kNow, "a1"}}));
  EXPECT_EQ(Read("t", {}),
            (Entries{{kNow, "a1"}, {kNow + 1, "a2"}, {kNow + 2, "a3"}, {kNow + 5, "w1"}}));
  // [start, end): end is exclusive.
  EXPECT_EQ(Read("t", {}, kNow + 1, kNow + 5), (Entries{{kNow + 1, "a2"}, {kNow + 2, "a3"}}));
  EXPECT_TRUE(Read("t", {}, kNow + 6, kNow + 100).empty());
  EXPECT_TRUE(Read("other", {}).empty());

  SelectRequest req;
  req.matchers = {M("app", "api")};
  auto streams = store_->Select("t", req);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].labels, api);
  ASSERT_TRUE((*streams)[0].entries->Next());
  EXPECT_EQ((*streams)[0].entries->MetadataLabels(), (model::Labels{{"trace_id", "t1"}}));
}

TEST_F(LogstoreStoreTest, OutOfOrderEntriesMergeAcrossChunksBlocksAndHead) {
  opts_.head.block_bytes = 300;
  opts_.head.chunk_target_bytes = 600;
  Reopen();
  std::mt19937_64 rng(1);
  Entries all;
  const model::Labels ls{{"app", "ooo"}};
  for (int batch = 0; batch < 40; ++batch) {
    Entries e;
    for (int i = 0; i < 10; ++i) {
      // Mostly increasing, with jitter of up to 30 min backwards (inside the 1 h window).
      const int64_t ts =
          kNow - 3600 * kSec + batch * 60 * kSec - static_cast<int64_t>(rng() % (1800 * kSec)) + i;
      e.emplace_back(
          ts, "entry " + std::to_string(batch) + "/" + std::to_string(i) + std::string(20, 'x'));
    }
    const PushStats st = Push("t", ls, e);
    ASSERT_EQ(st.entries_accepted, e.size());
    all.insert(all.end(), e.begin(), e.end());
    if (batch == 25) {
      ASSERT_TRUE(store_->FlushIdle(true).ok());
    }
  }
  EXPECT_GT(store_->GetStats().chunks_flushed, 3u);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const Entries got = Read("t", {});
  ASSERT_EQ(got.size(), all.size());
  for (size_t i = 1; i < got.size(); ++i) ASSERT_LE(got[i - 1].first, got[i].first);
  Entries sorted_got = got, sorted_all = all;
  std::sort(sorted_got.begin(), sorted_got.end());
  std::sort(sorted_all.begin(), sorted_all.end());
  EXPECT_EQ(sorted_got, sorted_all);
  const Entries back = Read("t", {}, INT64_MIN, INT64_MAX, Direction::kBackward);
  ASSERT_EQ(back.size(), all.size());
  for (size_t i = 1; i < back.size(); ++i) ASSERT_GE(back[i - 1].first, back[i].first);
  // A sub-range reads exactly the entries inside it.
  const int64_t lo = kNow - 50 * 60 * kSec, hi = kNow - 40 * 60 * kSec;
  size_t want = 0;
  for (const auto& e : all) want += e.first >= lo && e.first < hi;
  EXPECT_EQ(Read("t", {}, lo, hi).size(), want);
}

TEST_F(LogstoreStoreTest, LineFilterIsPushedDown) {
  opts_.head.block_bytes = 256;
  Reopen();
  Entries e;
  for (int i = 0; i < 200; ++i)
    e.emplace_back(kNow + i, i % 10 == 3 ? "GET /needle " + std::to_string(i) : "GET /hay");
  Push("t", {{"app", "api"}}, e);
  auto f = std::make_shared<LineFilter>();
  f->Contains("needle").NotContains("193");
  const Entries got = Read("t", {}, INT64_MIN, INT64_MAX, Direction::kForward, f);
  ASSERT_EQ(got.size(), 19u);
  for (const auto& [ts, line] : got) EXPECT_NE(line.find("needle"), std::string::npos);
  EXPECT_EQ(got.front().second, "GET /needle 3");
}

TEST_F(LogstoreStoreTest, ValidationRejectsWithLokiMessages) {
  opts_.limits.max_line_size = 10;
  opts_.limits.max_structured_metadata_entries = 1;
  Reopen();
  const model::Labels ls{{"app", "api"}};
  auto app = store_->NewAppender("t");
  app->AddStream(ls);
  app->AddEntry(kNow, "ok");                         // accepted
  app->AddEntry(kNow, "ok");                         // duplicate resend
  app->AddEntry(kNow - 169 * 3600 * kSec, "old");    // too old (168 h)
  app->AddEntry(kNow + 11 * 60 * kSec, "future");    // too new (10 m grace)
  app->AddEntry(kNow + 1, "this line is too long");  // > 10 bytes
  app->AddEntry(kNow - 3601 * kSec, "behind");       // > 1 h behind the newest
  const std::vector<model::LabelRef> md = {{"a", "1"}, {"b", "2"}};
  app->AddEntry(kNow + 2, "md", md.data(), md.size());  // too many metadata entries
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  const PushStats& st = *r;
  EXPECT_EQ(st.entries_accepted, 1u);
  EXPECT_EQ(st.entries_duplicate, 1u);
  EXPECT_EQ(st.num_rejected(), 5u);
  EXPECT_FALSE(st.rate_limited());
  ASSERT_EQ(st.rejects.size(), 5u);
  EXPECT_EQ(st.rejects[0].entry, 2u);
  EXPECT_EQ(st.rejects[0].reason, RejectReason::kTooOld);
  EXPECT_EQ(st.rejects[0].message,
            "entry for stream '{app=\"api\"}' has timestamp too old: " +
                FormatRfc3339(kNow - 169 * 3600 * kSec) +
                ", oldest acceptable timestamp is: " + FormatRfc3339(kNow - 168 * 3600 * kSec));
  EXPECT_EQ(st.rejects[1].reason, RejectReason::kTooNew);
  EXPECT_EQ(st.rejects[1].message, "entry for stream '{app=\"api\"}' has timestamp too new: " +
                                       FormatRfc3339(kNow + 11 * 60 * kSec));
  EXPECT_EQ(st.rejects[2].reason, RejectReason::kLineTooLong);
  EXPECT_EQ(st.rejects[2].message,
            "Max entry size '10' bytes exceeded for stream '{app=\"api\"}' while adding an entry "
            "with length '21' bytes");
  EXPECT_EQ(st.rejects[3].reason, RejectReason::kTooFarBehind);
  EXPECT_EQ(st.rejects[3].message,
            "entry too far behind, entry timestamp is: " + FormatRfc3339(kNow - 3601 * kSec) +
                ", oldest acceptable timestamp is: " + FormatRfc3339(kNow - 3600 * kSec));
  EXPECT_EQ(st.rejects[4].reason, RejectReason::kMetadataTooMany);
  EXPECT_EQ(store_->GetStats().rejected[static_cast<int>(RejectReason::kTooFarBehind)], 1u);
  EXPECT_EQ(Read("t", {}), (Entries{{kNow, "ok"}}));

  // Truncation instead of rejection.
  opts_.limits.max_line_size_truncate = true;
  Reopen();
  const PushStats t = Push("t", ls, {{kNow + 3, "0123456789abcdef"}});
  EXPECT_EQ(t.lines_truncated, 1u);
  EXPECT_EQ(Read("t", {}, kNow + 3, kNow + 4), (Entries{{kNow + 3, "0123456789"}}));
}

TEST_F(LogstoreStoreTest, StreamWithOnlyRejectedEntriesIsNotCreated) {
  const PushStats st = Push("t", {{"app", "ghost"}}, {{kNow - 200 * 3600 * kSec, "old"}});
  EXPECT_EQ(st.rejected[static_cast<int>(RejectReason::kTooOld)], 1u);
  EXPECT_EQ(st.streams_created, 0u);
  EXPECT_EQ(store_->GetStats().streams, 0u);
  EXPECT_TRUE(store_->Series("t", {}, INT64_MIN, INT64_MAX)->empty());
}

TEST_F(LogstoreStoreTest, StreamLabelValidation) {
  opts_.limits.max_label_names_per_series = 2;
  opts_.limits.max_label_value_length = 5;
  Reopen();
  auto app = store_->NewAppender("t");
  const std::vector<model::LabelRef> none = {{"app", ""}};
  app->AddStream(none.data(), none.size());
  app->AddEntry(kNow, "x");
  app->AddStream(model::Labels{{"a", "1"}, {"b", "2"}, {"c", "3"}});
  app->AddEntry(kNow, "x");
  app->AddStream(model::Labels{{"app", "toolong"}});
  app->AddEntry(kNow, "x");
  const std::vector<model::LabelRef> dup = {{"app", "a"}, {"app", "b"}};
  app->AddStream(dup.data(), dup.size());
  app->AddEntry(kNow, "x");
  app->AddStream(model::Labels{{"app", "fine"}});
  app->AddEntry(kNow, "x");
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rejects.size(), 4u);
  EXPECT_EQ(r->rejects[0].message, "error at least one label pair is required per stream");
  EXPECT_EQ(r->rejects[1].message,
            "entry for stream '{a=\"1\", b=\"2\", c=\"3\"}' has 3 label names; limit 2");
  EXPECT_EQ(r->rejects[2].message,
            "stream '{app=\"toolong\"}' has label value too long: 'toolong'");
  EXPECT_EQ(r->rejects[3].reason, RejectReason::kDuplicateLabelNames);
  EXPECT_EQ(r->rejects[3].stream, 3u);
  EXPECT_EQ(r->entries_accepted, 1u);
}

TEST_F(LogstoreStoreTest, ActiveStreamLimit) {
  opts_.limits.max_active_streams_per_tenant = 2;
  Reopen();
  EXPECT_EQ(Push("t", {{"s", "1"}}, {{kNow, "x"}}).entries_accepted, 1u);
  EXPECT_EQ(Push("t", {{"s", "2"}}, {{kNow, "x"}}).entries_accepted, 1u);
  const PushStats st = Push("t", {{"s", "3"}}, {{kNow, "x"}});
  EXPECT_EQ(st.rejected[static_cast<int>(RejectReason::kStreamLimit)], 1u);
  EXPECT_TRUE(st.rate_limited());
  EXPECT_EQ(Push("t", {{"s", "1"}}, {{kNow + 1, "y"}}).entries_accepted, 1u)
      << "existing streams still accept";
  EXPECT_EQ(Push("other", {{"s", "3"}}, {{kNow, "x"}}).entries_accepted, 1u)
      << "the limit is per tenant";
  clock_.Advance(31 * 60 * kSec);  // both streams go idle
  EXPECT_EQ(Push("t", {{"s", "3"}}, {{kNow + 31 * 60 * kSec, "x"}}).entries_accepted, 1u);
}

TEST_F(LogstoreStoreTest, TenantsAreIsolated) {
  Push("a", {{"app", "x"}}, {{kNow, "from a"}});
  Push("b", {{"app", "x"}}, {{kNow, "from b"}});
  EXPECT_EQ(Read("a", {}), (Entries{{kNow, "from a"}}));
  EXPECT_EQ(Read("b", {}), (Entries{{kNow, "from b"}}));
  EXPECT_EQ(*store_->LabelValues("a", "app", {}, INT64_MIN, INT64_MAX),
            (std::vector<std::string>{"x"}));
}

TEST_F(LogstoreStoreTest, SeriesLabelsAndValuesWithinTimeRange) {
  Push("t", {{"app", "api"}, {"env", "prod"}}, {{kNow, "x"}});
  Push("t", {{"app", "web"}, {"env", "dev"}, {"team", "ui"}}, {{kNow + 100 * kSec, "x"}});
  auto series = store_->Series("t", {}, kNow, kNow + 1);
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(*series, (std::vector<model::Labels>{{{"app", "api"}, {"env", "prod"}}}));
  EXPECT_EQ(
      store_->Series("t", {{M("env", "dev")}, {M("app", "api")}}, INT64_MIN, INT64_MAX)->size(),
      2u);
  EXPECT_EQ(store_->Series("t", {}, INT64_MIN, INT64_MAX, 1)->size(), 1u);
  EXPECT_EQ(*store_->LabelNames("t", {}, kNow + 50 * kSec, kNow + 200 * kSec),
            (std::vector<std::string>{"app", "env", "team"}));
  EXPECT_EQ(*store_->LabelNames("t", {}, kNow, kNow + 1), (std::vector<std::string>{"app", "env"}));
  EXPECT_EQ(*store_->LabelValues("t", "app", {}, INT64_MIN, INT64_MAX),
            (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(*store_->LabelValues("t", "app", {{M("env", "dev")}}, INT64_MIN, INT64_MAX),
            (std::vector<std::string>{"web"}));
  EXPECT_TRUE(store_->LabelValues("t", "nope", {}, INT64_MIN, INT64_MAX)->empty());
}

TEST_F(LogstoreStoreTest, IndexStatsAndVolume) {
  opts_.head.block_bytes = 100;
  Reopen();
  Entries e;
  for (int i = 0; i < 50; ++i) e.emplace_back(kNow + i * kSec, std::string(10, 'a'));
  Push("t", {{"app", "api"}, {"env", "prod"}}, e);
  Push("t", {{"app", "web"}, {"env", "prod"}}, {{kNow, "12345"}});
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  Push("t", {{"app", "api"}, {"env", "prod"}}, {{kNow + 100 * kSec, "head"}});
  auto st = store_->Stats("t", {M("env", "prod")}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->streams, 2u);
  EXPECT_EQ(st->entries, 52u);
  EXPECT_EQ(st->bytes, 500u + 5 + 4);
  EXPECT_EQ(st->chunks, 3u);  // api: flushed + head; web: flushed
  auto one = store_->Stats("t", {M("app", "web")}, kNow, kNow + 1);
  EXPECT_EQ(one->entries, 1u);
  EXPECT_EQ(store_->Stats("t", {M("app", "web")}, kNow + 10 * kSec, kNow + 20 * kSec)->streams, 0u);

  auto vol = store_->Volume("t", {M("env", "prod")}, INT64_MIN, INT64_MAX, {},
                            VolumeAggregation::kSeries, 0);
  ASSERT_TRUE(vol.ok());
  ASSERT_EQ(vol->size(), 1u) << "grouped by the matchers' label names";
  EXPECT_EQ((*vol)[0].labels, (model::Labels{{"env", "prod"}}));
  EXPECT_EQ((*vol)[0].bytes, 509u);
  vol = store_->Volume("t", {M("env", "prod")}, INT64_MIN, INT64_MAX, {"app"},
                       VolumeAggregation::kSeries, 0);
  ASSERT_EQ(vol->size(), 2u);
  EXPECT_EQ((*vol)[0].labels, (model::Labels{{"app", "api"}}));
  EXPECT_EQ((*vol)[0].bytes, 504u);
  EXPECT_EQ((*vol)[1].bytes, 5u);
  vol = store_->Volume("t", {M("env", "prod")}, INT64_MIN, INT64_MAX, {},
                       VolumeAggregation::kLabels, 1);
  ASSERT_EQ(vol->size(), 1u);
  EXPECT_EQ((*vol)[0].bytes, 509u);
}

TEST_F(LogstoreStoreTest, RetentionByAgeDeletesWholeOldBuckets) {
  opts_.retention_ns = 24 * 3600 * kSec;
  opts_.limits.reject_old_samples = false;
  Reopen();
  const int64_t old_ts = kNow - 3 * 24 * 3600 * kSec;
  Push("t", {{"app", "old"}}, {{old_ts, "old"}});
  Push("t", {{"app", "new"}}, {{kNow, "new"}});
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  EXPECT_EQ(store_->GetStats().chunks_flushed, 2u);
  ASSERT_TRUE(store_->ApplyRetention().ok());
  EXPECT_EQ(Read("t", {}), (Entries{{kNow, "new"}}));
  EXPECT_EQ(*store_->LabelValues("t", "app", {}, INT64_MIN, INT64_MAX),
            (std::vector<std::string>{"new"}));
  EXPECT_EQ(store_->GetStats().streams, 1u);
  EXPECT_GE(store_->GetStats().retention_deleted_buckets, 1u);
  Reopen();
  EXPECT_EQ(Read("t", {}), (Entries{{kNow, "new"}}));
  EXPECT_EQ(store_->GetStats().streams, 1u);
}

TEST_F(LogstoreStoreTest, RetentionBySizeDeletesOldestBucketsFirst) {
  opts_.retention_bytes = 1;  // anything stored is too much: keep deleting the oldest
  opts_.retention_ns = 0;
  Reopen();
  for (int h = 0; h < 3; ++h) {
    Push("t", {{"app", "h" + std::to_string(h)}},
         {{kNow - (3 - h) * 3600 * kSec, "hour " + std::to_string(h)}});
  }
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  EXPECT_GT(store_->GetStats().chunk_bytes_stored, 0u);
  ASSERT_TRUE(store_->ApplyRetention().ok());
  EXPECT_EQ(store_->GetStats().chunk_bytes_stored, 0u);
  EXPECT_TRUE(Read("t", {}).empty());
  // With room for two of three chunks only the oldest goes.
  opts_.retention_bytes = 0;
  Reopen();
  for (int h = 0; h < 3; ++h) {
    Push("u", {{"app", "h" + std::to_string(h)}},
         {{kNow - (3 - h) * 3600 * kSec, "hour " + std::to_string(h)}});
  }
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  const uint64_t total = store_->GetStats().chunk_bytes_stored;
  opts_.retention_bytes = total - 1;
  Reopen();
  EXPECT_EQ(Read("u", {}),
            (Entries{{kNow - 2 * 3600 * kSec, "hour 1"}, {kNow - 3600 * kSec, "hour 2"}}));
}

TEST_F(LogstoreStoreTest, IdleChunksAreFlushedByTheClock) {
  Push("t", {{"app", "a"}}, {{kNow, "x"}});
  ASSERT_TRUE(store_->FlushIdle().ok());
  EXPECT_EQ(store_->GetStats().chunks_flushed, 0u);
  clock_.Advance(31 * 60 * kSec);
  ASSERT_TRUE(store_->FlushIdle().ok());
  EXPECT_EQ(store_->GetStats().chunks_flushed, 1u);
  EXPECT_EQ(store_->GetStats().head_entries, 0u);
  EXPECT_EQ(Read("t", {}), (Entries{{kNow, "x"}}));
}

TEST_F(LogstoreStoreTest, ConcurrentPushesAndReads) {
  opts_.head.block_bytes = 512;
  opts_.head.chunk_target_bytes = 1024;
  Reopen();
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 200; ++i) {
        auto app = store_->NewAppender("t");
        app->AddStream(model::Labels{{"w", std::to_string(w)}});
        const std::string line = "writer " + std::to_string(w) + " entry " + std::to_string(i);
        app->AddEntry(kNow + i, line);
        ASSERT_TRUE(app->Commit().ok());
      }
    });
  }
  std::thread reader([&] {
    for (int i = 0; i < 50; ++i) {
      const Entries e = Read("t", {});
      ASSERT_LE(e.size(), 600u);
      ASSERT_TRUE(store_->FlushIdle(i % 10 == 0).ok());
    }
  });
  for (auto& t : writers) t.join();
  reader.join();
  EXPECT_EQ(Read("t", {}).size(), 600u);
}

}  // namespace
}  // namespace loupe::storage::logstore

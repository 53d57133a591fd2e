// The engine over the real log store: pushed-down filters, structured metadata, directions,
// and the same answers as the in-memory source.
#include <gtest/gtest.h>

#include "query/logql/eval/engine.h"
#include "query/logql/eval/logstore_source.h"
#include "query/logql/log/labels_builder.h"
#include "storage/logstore/log_store_test_util.h"

namespace loupe::query::logql {
namespace {

using storage::logstore::kNow;
using storage::logstore::kSec;
using storage::model::Labels;
using storage::model::LabelRef;

class LogStoreSourceTest : public storage::logstore::LogStoreFixture {};

TEST_F(LogStoreSourceTest, LogAndMetricQueries) {
  const int64_t t0 = kNow - 600 * kSec;
  Push("anonymous", Labels{{"app", "api"}},
       {{t0 + 1 * kSec, "level=info msg=ok"}, {t0 + 2 * kSec, "level=error msg=boom"},
        {t0 + 3 * kSec, "level=info msg=ok2"}});
  std::vector<LabelRef> md = {{"trace_id", "abc"}};
  Push("anonymous", Labels{{"app", "web"}}, {{t0 + 2 * kSec, "GET / 200"}}, md);
  ASSERT_TRUE(store_->FlushIdle(true).ok());

  LogStoreSource source(store_.get());
  Engine engine(&source);
  QueryParams p;
  p.start_ns = t0;
  p.end_ns = t0 + 10 * kSec;
  p.direction = Direction::kForward;
  p.query = R"({app=~"api|web"} != "msg=ok" | logfmt)";
  auto r = engine.Exec(p);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(LabelsString(r->streams[0].labels),
            "{app=\"api\", level=\"error\", msg=\"boom\"}");
  // Bare logfmt keys have empty values, dropped without --keep-empty.
  EXPECT_EQ(LabelsString(r->streams[1].labels), "{app=\"web\", trace_id=\"abc\"}");
  // The pushed-down filter removed the two "msg=ok" lines inside the store.
  EXPECT_EQ(r->stats.lines_processed, 2u);

  p.query = R"(sum by (level) (count_over_time({app="api"} | logfmt [1m])))";
  p.instant = true;
  p.end_ns = t0 + 30 * kSec;
  auto m = engine.Exec(p);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->series.size(), 2u);
  EXPECT_EQ(m->series[0].labels.ToString(), "{level=\"error\"}");
  EXPECT_EQ(m->series[0].points[0].value, 1);
  EXPECT_EQ(m->series[1].points[0].value, 2);

  p.query = R"(count_over_time({app="web"} | trace_id="abc" [1m]))";
  auto md_q = engine.Exec(p);
  ASSERT_TRUE(md_q.ok()) << md_q.status();
  ASSERT_EQ(md_q->series.size(), 1u);
  EXPECT_EQ(md_q->series[0].labels.ToString(), "{app=\"web\", trace_id=\"abc\"}");
}

}  // namespace
}  // namespace loupe::query::logql

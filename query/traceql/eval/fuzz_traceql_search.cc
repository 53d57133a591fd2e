// Fuzz target: arbitrary query text through Search, QueryRange and TagValues over a small
// fixture store (part persisted, part in the head). Any result is fine except a crash or an
// error other than a clean refusal (kInvalidArgument / kUnimplemented / kResourceExhausted).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/test_util.h"

namespace tq = loupe::query::traceql;

namespace {

constexpr int64_t kBase = 1'700'000'000'000'000'000;

tq::testing::TestStore* Store() {
  static tq::testing::TestStore* store = [] {
    auto* s = new tq::testing::TestStore();
    if (!s->ok() || !s->Append(tq::testing::SmallShop(kBase)).ok() || !s->Flush().ok() ||
        !s->Append(tq::testing::SmallShop(kBase + 5'000'000'000)).ok()) {
      std::abort();
    }
    // The store lives until exit (never destroyed, as fuzz targets do); its files must not.
    static const std::string dir = s->dir();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return s;
  }();
  return store;
}

void Check(const loupe::Status& s) {
  if (s.ok()) return;
  switch (s.code()) {
    case loupe::StatusCode::kInvalidArgument:
    case loupe::StatusCode::kUnimplemented:
    case loupe::StatusCode::kResourceExhausted:
      return;
    default:
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  const std::string q(reinterpret_cast<const char*>(data), size);
  tq::testing::TestStore* store = Store();
  tq::SearchRequest sreq;
  sreq.query = q;
  auto s = tq::Search(store->store(), "t1", sreq);
  Check(s.status());
  if (s.ok()) (void)tq::ToJson(*s);
  tq::MetricsRequest mreq;
  mreq.query = q;
  mreq.start_ns = kBase;
  mreq.end_ns = kBase + 10'000'000'000;
  mreq.step_ns = 1'000'000'000;
  auto m = tq::QueryRange(store->store(), "t1", mreq);
  Check(m.status());
  if (m.ok()) (void)tq::ToJson(*m);
  auto v = tq::TagValues(store->store(), "t1", "resource.service.name", q, 0, 0, 10);
  Check(v.status());
  return 0;
}

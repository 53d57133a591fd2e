// /loki/api/v1/tail: live tailing over a WebSocket (see loki_query_api.h for the contract).
#include <algorithm>
#include <thread>
#include <unordered_set>

#include "appliance/api/errors.h"
#include "appliance/api/loki_json.h"
#include "appliance/api/loki_query_internal.h"
#include "query/logql/log/labels_builder.h"
#include "query/logql/syntax/parser.h"

namespace loupe::appliance::api::lokiq {

using http::Request;
using http::Response;
namespace ql = query::logql;

namespace {

constexpr size_t kMaxEntriesPerFrame = 100;            // Loki's maxEntriesPerTailResponse
constexpr size_t kMaxBufferedFrames = 10;              // maxBufferedTailResponses
constexpr size_t kMaxDroppedEntries = 1000;            // maxDroppedEntriesPerTailResponse
constexpr int64_t kMaxDelayForSeconds = 5;             // maxDelayForInTailing
constexpr int64_t kFutureNs = 3600LL * 1'000'000'000;  // how far ahead entries are looked for
// Polls look back this far behind what was already covered; every kFullScanEvery-th poll looks
// back the whole tail_lookback, for entries that arrive with older timestamps.
constexpr int64_t kShortLookbackNs = 5LL * 1'000'000'000;
constexpr uint64_t kFullScanEvery = 8;

struct TailParams {
  std::string query;
  uint32_t limit = 100;
  int64_t start_ns = 0;
  int64_t delay_ns = 0;
  bool categorize = false;
};

// Loki's ParseTailQuery.
Result<TailParams> ParseTail(const Request& r) {
  TailParams t;
  t.query = r.params.GetOr("query", "");
  LOUPE_ASSIGN_OR_RETURN(ql::ExprPtr expr, ql::ParseExpr(t.query));
  if (!std::holds_alternative<ql::LogSelector>(expr->node)) {
    return Status::InvalidArgument("tailing is only supported for log queries");
  }
  LOUPE_ASSIGN_OR_RETURN(t.limit, ParseLimit(r, "limit", 100));
  LOUPE_ASSIGN_OR_RETURN(Bounds b, ParseBounds(r));
  t.start_ns = b.start_ns;
  if (const auto* d = r.params.Get("delay_for"); d && !d->empty()) {
    LOUPE_ASSIGN_OR_RETURN(int64_t secs, ParseGoInt(*d));
    if (secs > kMaxDelayForSeconds) {
      return Status::InvalidArgument("delay_for can't be greater than " +
                                     std::to_string(kMaxDelayForSeconds));
    }
    t.delay_ns = std::max<int64_t>(secs, 0) * 1'000'000'000;
  }
  t.categorize = CategorizeLabels(r);
  return t;
}

uint64_t EntryKey(const std::string& labels, const ql::StreamEntry& e) {
  uint64_t h = std::hash<std::string>{}(labels);
  h ^= std::hash<std::string>{}(e.line) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= static_cast<uint64_t>(e.ts) * 0xff51afd7ed558ccdull;
  return h;
}

class TailSession {
 public:
  TailSession(Shared& shared, const Request& r, std::shared_ptr<http::WebSocketConnection> conn)
      : shared_(shared), conn_(std::move(conn)), tenant_(r.Tenant()) {
    ql::EngineOptions eo = shared_.EngineOpts();
    eo.max_entries_limit = SIZE_MAX;  // windows are bounded by time, not by a count
    eo.max_query_length_ns = 0;
    engine_ = std::make_unique<ql::Engine>(&shared_.source, eo);
  }

  void Run(const TailParams& t) {
    params_ = t;
    const auto started = std::chrono::steady_clock::now();
    const int64_t now = NowNanos();
    // History: the newest `limit` entries since start, sent oldest first.
    std::vector<TailEntry> history;
    if (!Query(t.start_ns, now, t.limit, ql::Direction::kBackward, &history)) return;
    std::reverse(history.begin(), history.end());
    // Everything already in the lookback window counts as seen, sent or not.
    covered_ns_ = now;
    std::vector<TailEntry> window;
    if (!Query(now - shared_.options.tail_lookback_ns, now, UINT32_MAX, ql::Direction::kForward,
               &window)) {
      return;
    }
    for (const TailEntry& e : window) seen_.insert(Key(e));
    Send(std::move(history));
    uint64_t appended = shared_.store.GetStats().entries_appended;
    bool pending = true;
    while (conn_->open()) {
      if (std::chrono::steady_clock::now() - started >=
          std::chrono::nanoseconds(shared_.options.tail_max_duration_ns)) {
        conn_->Close("reached tail max duration limit");
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(shared_.options.tail_poll_ms));
      const uint64_t now_appended = shared_.store.GetStats().entries_appended;
      if (now_appended != appended) {
        appended = now_appended;
        unscanned_ = true;  // until a full poll has looked at what came in
      } else if (!pending && !unscanned_) {
        continue;
      }
      if (!Poll(&pending)) return;
    }
  }

 private:
  std::string LabelsKey(const TailEntry& e) const { return ql::LabelsString(e.labels); }
  uint64_t Key(const TailEntry& e) const { return EntryKey(LabelsKey(e), e.entry); }

  // Runs the tail query over [start, end); false (after closing the connection) on error.
  bool Query(int64_t start, int64_t end, uint32_t limit, ql::Direction dir,
             std::vector<TailEntry>* out) {
    out->clear();
    if (end <= start) return true;
    ql::QueryParams p;
    p.query = params_.query;
    p.tenant = tenant_;
    p.start_ns = start;
    p.end_ns = end;
    p.limit = limit;
    p.direction = dir;
    p.categorize_labels = params_.categorize;
    p.deadline = std::chrono::steady_clock::now() +
                 std::chrono::nanoseconds(shared_.options.query_timeout_ns);
    auto r = engine_->Exec(p);
    if (!r.ok()) {
      conn_->Close(r.status().message());
      return false;
    }
    for (auto& s : r->streams) {
      for (auto& e : s.entries) out->push_back(TailEntry{s.labels, std::move(e)});
    }
    std::stable_sort(out->begin(), out->end(), [&](const TailEntry& a, const TailEntry& b) {
      return dir == ql::Direction::kForward ? a.entry.ts < b.entry.ts : a.entry.ts > b.entry.ts;
    });
    return true;
  }

  // Sends entries not seen yet from [covered - lookback, now - delay); entries beyond that are
  // left for later (*pending tells whether there are any). Most polls look back only
  // kShortLookbackNs (the cost of a poll is the window it reads); every kFullScanEvery-th one
  // the whole lookback, which also prunes the seen set.
  bool Poll(bool* pending) {
    const int64_t now = NowNanos();
    const int64_t emit_end = std::max(covered_ns_, now - params_.delay_ns);
    const bool full = ++polls_ % kFullScanEvery == 0;
    if (full) unscanned_ = false;
    const int64_t window_start =
        covered_ns_ -
        (full ? shared_.options.tail_lookback_ns
              : std::min(shared_.options.tail_lookback_ns, kShortLookbackNs));
    std::vector<TailEntry> entries;
    if (!Query(window_start, now + kFutureNs, UINT32_MAX, ql::Direction::kForward, &entries)) {
      return false;
    }
    std::vector<TailEntry> fresh;
    *pending = false;
    for (TailEntry& e : entries) {
      if (e.entry.ts >= emit_end) {
        *pending = true;
        continue;
      }
      if (seen_.insert(Key(e)).second) fresh.push_back(std::move(e));
    }
    covered_ns_ = emit_end;
    // Keys of entries that left every future window are forgotten: the seen set is rebuilt
    // from the current window (a full one: it covers every later window).
    if (full && seen_.size() > 4 * (entries.size() + 1024)) {
      std::unordered_set<uint64_t> keep;
      for (const TailEntry& e : entries) {
        if (e.entry.ts < emit_end) keep.insert(Key(e));
      }
      seen_ = std::move(keep);
    }
    Send(std::move(fresh));
    return true;
  }

  void Send(std::vector<TailEntry> entries) {
    for (size_t i = 0; i < entries.size(); i += kMaxEntriesPerFrame) {
      const size_t n = std::min(kMaxEntriesPerFrame, entries.size() - i);
      std::vector<TailEntry> frame(std::make_move_iterator(entries.begin() + i),
                                   std::make_move_iterator(entries.begin() + i + n));
      if (conn_->pending() >= kMaxBufferedFrames) {
        // The client does not keep up: drop, and report the drops with the next frame sent.
        for (TailEntry& e : frame) {
          if (dropped_.size() < kMaxDroppedEntries) dropped_.push_back(std::move(e));
        }
        continue;
      }
      conn_->Send(LokiTailFrameJson(frame, dropped_, params_.categorize));
      dropped_.clear();
    }
  }

  Shared& shared_;
  std::shared_ptr<http::WebSocketConnection> conn_;
  std::string tenant_;
  TailParams params_;
  std::unique_ptr<ql::Engine> engine_;
  int64_t covered_ns_ = 0;
  uint64_t polls_ = 0;
  bool unscanned_ = false;  // entries came in since the last full poll
  std::unordered_set<uint64_t> seen_;
  std::vector<TailEntry> dropped_;
};

}  // namespace

void RegisterTail(http::Router& router, std::shared_ptr<Shared> shared,
                  selfmon::Registry& metrics) {
  auto& tails = metrics.CounterFamily("loupe_loki_tails_total",
                                      "Loki tail (WebSocket) requests, by outcome.", {"outcome"});
  auto* started = &tails.With({"started"});
  auto* refused = &tails.With({"refused"});
  http::RouteOptions opts{http::ApiFamily::kLoki};
  opts.websocket = [shared, started, refused](const Request& r,
                                              std::shared_ptr<http::WebSocketConnection> conn) {
    auto t = ParseTail(r);
    if (!t.ok()) {
      conn->Close(t.status().message());
      return;
    }
    const int limit = shared->options.max_concurrent_tail_requests;
    const int count = shared->active_tails.fetch_add(1) + 1;
    struct Release {
      std::atomic<int>& n;
      ~Release() { n.fetch_sub(1); }
    } release{shared->active_tails};
    if (count > limit) {
      refused->Inc();
      conn->Close("max concurrent tail requests limit exceeded, count > limit (" +
                  std::to_string(count) + " > " + std::to_string(limit) + ")");
      return;
    }
    started->Inc();
    TailSession(*shared, r, conn).Run(*t);
  };
  // A plain request (no upgrade) gets the parameter errors, else what Loki's WebSocket upgrader
  // answers.
  router.Handle(
      {http::Method::kGet}, "/loki/api/v1/tail",
      [](Request& r) {
        auto t = ParseTail(r);
        if (!t.ok()) return LokiQueryError(t.status(), r);
        Response resp = Response::Text(400, "Bad Request\n");
        resp.headers.emplace_back("Sec-Websocket-Version", "13");
        return resp;
      },
      opts);
}

}  // namespace loupe::appliance::api::lokiq

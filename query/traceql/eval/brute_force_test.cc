// Cross-check: random spanset filters over random traces, evaluated by Search (with pushdown,
// over head and persisted blocks) and by a direct, independent evaluation of the same filter
// over the generated spans. The matched (trace, span) sets must be equal.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <optional>
#include <random>
#include <set>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/test_util.h"

namespace loupe::query::traceql {
namespace {

using testing::SpanDef;
using testing::TestStore;
using testing::TraceBuilder;

constexpr int64_t kBase = 1'700'000'000'000'000'000;

struct GenSpan {
  uint64_t trace, id;
  std::string service, name;
  int64_t duration;
  int kind, status;
  std::optional<int64_t> a;       // span.a (int)
  std::optional<std::string> as;  // span.a as a string (type mix), exclusive with `a`
  std::optional<std::string> b;   // span.b
  std::optional<double> f;        // span.f
  std::optional<int64_t> res_a;   // resource.a of its service
  std::string env;                // resource.env
};

// A value TraceQL sees: nullopt = nil.
struct V {
  enum { kNil, kInt, kFloat, kStr, kBool } t = kNil;
  double n = 0;
  std::string s;
  bool b = false;
};

// A random filter expression, with its TraceQL text and a direct evaluator.
struct Expr {
  std::string text;
  std::function<V(const GenSpan&)> eval;
};

V Num(double n, bool is_int) {
  V v;
  v.t = is_int ? V::kInt : V::kFloat;
  v.n = n;
  return v;
}
V Str(std::string s) {
  V v;
  v.t = V::kStr;
  v.s = std::move(s);
  return v;
}
V Bool(bool b) {
  V v;
  v.t = V::kBool;
  v.b = b;
  return v;
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  int R(int n) { return static_cast<int>(rng_() % n); }

  Expr Field() {
    switch (R(9)) {
      case 0:
        return {"span.a", [](const GenSpan& s) {
                  if (s.a) return Num(static_cast<double>(*s.a), true);
                  if (s.as) return Str(*s.as);
                  return V{};
                }};
      case 1:
        return {".a", [](const GenSpan& s) {
                  if (s.a) return Num(static_cast<double>(*s.a), true);
                  if (s.as) return Str(*s.as);
                  if (s.res_a) return Num(static_cast<double>(*s.res_a), true);
                  return V{};
                }};
      case 2:
        return {"resource.a", [](const GenSpan& s) {
                  return s.res_a ? Num(static_cast<double>(*s.res_a), true) : V{};
                }};
      case 3:
        return {"span.b", [](const GenSpan& s) { return s.b ? Str(*s.b) : V{}; }};
      case 4:
        return {"span.f", [](const GenSpan& s) { return s.f ? Num(*s.f, false) : V{}; }};
      case 5:
        return {"name", [](const GenSpan& s) { return Str(s.name); }};
      case 6:
        return {"resource.service.name", [](const GenSpan& s) { return Str(s.service); }};
      case 7:
        return {"resource.env", [](const GenSpan& s) { return Str(s.env); }};
      default:
        return {"duration",
                [](const GenSpan& s) { return Num(static_cast<double>(s.duration), true); }};
    }
  }

  Expr Literal(bool stringy) {
    if (stringy || R(4) == 0) {
      static const char* kStrs[] = {"red", "green",   "blue", "svc1", "svc2",
                                    "GET", "POST /x", "prod", "3"};
      std::string s = kStrs[R(9)];
      return {"\"" + s + "\"", [s](const GenSpan&) { return Str(s); }};
    }
    if (R(3) == 0) {
      const double d = R(20) / 2.0;
      char buf[32];
      snprintf(buf, sizeof buf, "%.1f", d);
      return {buf, [d](const GenSpan&) { return Num(d, false); }};
    }
    const int64_t i = R(12);
    return {std::to_string(i), [i](const GenSpan&) { return Num(static_cast<double>(i), true); }};
  }

  Expr Comparison() {
    Expr f = Field();
    static const char* kOps[] = {"=", "!=", "<", "<=", ">", ">=", "=~", "!~"};
    const int op = R(8);
    if (op >= 6) {
      static const char* kRes[] = {"r.*", ".*e.*", "svc[12]", "GET|POST /x", "[0-9]+"};
      const std::string re = kRes[R(5)];
      auto compiled = std::make_shared<RE2>(re);
      const bool neg = op == 7;
      return {f.text + " " + kOps[op] + " \"" + re + "\"", [f, compiled, neg](const GenSpan& s) {
                const V v = f.eval(s);
                if (v.t != V::kStr) return Bool(false);
                return Bool(RE2::FullMatch(v.s, *compiled) != neg);
              }};
    }
    if (f.text == "duration" && R(2) == 0) {
      const int64_t ms = R(60);
      return {f.text + " " + kOps[op] + " " + std::to_string(ms) + "ms",
              [f, op, ms](const GenSpan& s) { return Cmp(op, f.eval(s), Num(ms * 1e6, true)); }};
    }
    Expr lit = Literal(f.text == "name" || f.text == "span.b" || f.text == "resource.env" ||
                       f.text == "resource.service.name");
    if (R(5) == 0) {  // literal on the left
      return {lit.text + " " + kOps[op] + " " + f.text,
              [f, lit, op](const GenSpan& s) { return Cmp(op, lit.eval(s), f.eval(s)); }};
    }
    return {f.text + " " + kOps[op] + " " + lit.text,
            [f, lit, op](const GenSpan& s) { return Cmp(op, f.eval(s), lit.eval(s)); }};
  }

  static V Cmp(int op, const V& l, const V& r) {
    if (l.t == V::kNil || r.t == V::kNil) return Bool(false);
    const bool num = (l.t == V::kInt || l.t == V::kFloat) && (r.t == V::kInt || r.t == V::kFloat);
    if (!num && l.t != r.t) return Bool(false);
    int c;
    if (num) {
      c = l.n < r.n ? -1 : (l.n > r.n ? 1 : 0);
    } else {
      c = l.s < r.s ? -1 : (l.s > r.s ? 1 : 0);
    }
    switch (op) {
      case 0:
        return Bool(c == 0);
      case 1:
        return Bool(c != 0);
      case 2:
        return Bool(c < 0);
      case 3:
        return Bool(c <= 0);
      case 4:
        return Bool(c > 0);
      default:
        return Bool(c >= 0);
    }
  }

  Expr Bool(int depth) {
    const int k = depth > 2 ? 0 : R(6);
    if (k <= 2) {
      if (R(10) == 0) {
        Expr f = Field();
        return {f.text + " != nil",
                [f](const GenSpan& s) { return Gen::Bool(f.eval(s).t != V::kNil); }};
      }
      return Comparison();
    }
    if (k == 3) {
      Expr e = Bool(depth + 1);
      return {"!(" + e.text + ")", [e](const GenSpan& s) {
                const V v = e.eval(s);
                return v.t == V::kBool ? Gen::Bool(!v.b) : V{};
              }};
    }
    Expr l = Bool(depth + 1), r = Bool(depth + 1);
    const bool and_ = k == 4;
    return {"(" + l.text + (and_ ? " && " : " || ") + r.text + ")", [l, r, and_](const GenSpan& s) {
              const V a = l.eval(s), b = r.eval(s);
              const bool x = a.t == V::kBool && a.b, y = b.t == V::kBool && b.b;
              return Gen::Bool(and_ ? (x && y) : (x || y));
            }};
  }

  static V Bool(bool b) { return ::loupe::query::traceql::Bool(b); }

 private:
  std::mt19937_64 rng_;
};

std::vector<GenSpan> Generate(std::mt19937_64& rng, int traces) {
  std::vector<GenSpan> out;
  static const char* kNames[] = {"GET", "POST /x", "db", "red", "3"};
  static const char* kColors[] = {"red", "green", "blue"};
  for (int t = 1; t <= traces; ++t) {
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      GenSpan s;
      s.trace = static_cast<uint64_t>(t);
      s.id = static_cast<uint64_t>(t) * 100 + static_cast<uint64_t>(k) + 1;
      const int svc = static_cast<int>(rng() % 3);
      s.service = "svc" + std::to_string(svc);
      s.env = svc == 2 ? "dev" : "prod";
      if (svc != 0) s.res_a = svc * 3;
      s.name = kNames[rng() % 5];
      s.duration = static_cast<int64_t>(1 + rng() % 50) * 1'000'000;
      s.kind = static_cast<int>(rng() % 6);
      s.status = static_cast<int>(rng() % 3);
      switch (rng() % 4) {
        case 0:
          s.a = static_cast<int64_t>(rng() % 10);
          break;
        case 1:
          s.as = std::to_string(rng() % 5);
          break;
        default:
          break;
      }
      if (rng() % 2) s.b = kColors[rng() % 3];
      if (rng() % 3 == 0) s.f = static_cast<double>(rng() % 20) / 2.0;
      out.push_back(std::move(s));
    }
  }
  return out;
}

void Load(TestStore* store, const std::vector<GenSpan>& spans, size_t from, size_t to) {
  TraceBuilder b;
  for (int svc = 0; svc < 3; ++svc) {
    testing::Attrs res = {{"env", std::string(svc == 2 ? "dev" : "prod")}};
    if (svc != 0) res.push_back({"a", int64_t{svc * 3}});
    b.SetResource("svc" + std::to_string(svc), res);
  }
  for (size_t k = from; k < to; ++k) {
    const GenSpan& g = spans[k];
    SpanDef d;
    d.id = g.id;
    d.service = g.service;
    d.name = g.name;
    d.start_ns =
        kBase + static_cast<int64_t>(g.trace) * 1'000'000'000 + static_cast<int64_t>(g.id % 100);
    d.duration_ns = g.duration;
    d.kind = g.kind;
    d.status = g.status;
    if (g.a) d.attrs.push_back({"a", *g.a});
    if (g.as) d.attrs.push_back({"a", *g.as});
    if (g.b) d.attrs.push_back({"b", *g.b});
    if (g.f) d.attrs.push_back({"f", *g.f});
    b.Add(g.trace, d);
  }
  ASSERT_TRUE(store->Append(b.Take()).ok());
}

TEST(TraceqlBruteForce, FiltersMatchDirectEvaluation) {
  std::mt19937_64 rng(7);
  const std::vector<GenSpan> spans = Generate(rng, 120);
  // Several small blocks (persisted) plus a head: traces split across blocks are avoided by
  // loading whole traces per append.
  TestStore store(150);
  ASSERT_TRUE(store.ok());
  size_t from = 0;
  while (from < spans.size()) {
    size_t to = from;
    while (to < spans.size() && (to - from < 60 || spans[to].trace == spans[to - 1].trace)) ++to;
    Load(&store, spans, from, to);
    if (to < spans.size()) {
      ASSERT_TRUE(store.Flush().ok());
    }
    from = to;
  }
  Gen gen(11);
  int nonempty = 0, rejected = 0;
  for (int q = 0; q < 400; ++q) {
    Expr e = gen.Bool(0);
    std::set<std::pair<uint64_t, uint64_t>> want;
    for (const auto& s : spans) {
      const V v = e.eval(s);
      if (v.t == V::kBool && v.b) want.insert({s.trace, s.id});
    }
    SearchRequest req;
    req.query = "{ " + e.text + " }";
    req.limit = 1000;
    req.spans_per_spanset = 1000;
    auto r = Search(store.store(), "t1", req);
    if (!r.ok() && r.status().code() == StatusCode::kInvalidArgument &&
        (r.status().message().find("must operate on the same type") != std::string::npos ||
         r.status().message().find("illegal operation") != std::string::npos)) {
      ++rejected;  // a literal of the wrong type for an intrinsic: a validation error
      continue;
    }
    ASSERT_TRUE(r.ok()) << req.query << ": " << r.status();
    std::set<std::pair<uint64_t, uint64_t>> got;
    for (const auto& t : r->traces) {
      const uint64_t trace = std::stoull(t.trace_id.substr(16), nullptr, 16);
      for (const auto& set : t.span_sets) {
        EXPECT_EQ(set.matched, set.spans.size());
        for (const auto& sp : set.spans) got.insert({trace, std::stoull(sp.span_id, nullptr, 16)});
      }
    }
    EXPECT_EQ(got, want) << req.query;
    if (!want.empty()) ++nonempty;
  }
  EXPECT_GT(nonempty, 100);  // the generator is not degenerate
  EXPECT_LT(rejected, 100);
}

}  // namespace
}  // namespace loupe::query::traceql

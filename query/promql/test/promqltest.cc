#include "query/promql/test/promqltest.h"

#include <re2/re2.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "query/common/go_format.h"
#include "query/promql/eval/engine.h"
#include "query/promql/eval/memory_series_source.h"
#include "query/promql/syntax/duration.h"
#include "query/promql/syntax/functions.h"
#include "query/promql/syntax/go_text.h"
#include "query/promql/syntax/parser.h"
#include "query/promql/syntax/printer.h"
#include "query/promql/test/series_desc.h"
#include "storage/model/sample.h"

namespace loupe::query::promql::test {

using storage::model::Labels;
using storage::model::Sample;

namespace {

constexpr double kEpsilon = 0.000001;

// Prometheus's util/almost.Equal.
bool AlmostEqual(double a, double b) {
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < kEpsilon;
}

std::string Fmt(double v) { return FormatFloatG(v); }

std::string TrimSpace(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

enum ExpectType { kOrdered, kFail, kWarn, kNoWarn, kInfo, kNoInfo };

struct ExpectCmd {
  std::string message;
  std::shared_ptr<RE2> regex;  // null with message set: exact match
  bool any = false;            // no msg/regex: matches anything
  bool Match(const std::string& s) const {
    if (any) return true;
    if (regex) return RE2::PartialMatch(s, *regex);
    return message == s;
  }
  std::string Describe() const { return regex ? regex->pattern() : message; }
};

struct Expected {
  int pos = 0;
  Labels labels;
  std::vector<SequenceValue> vals;
};

struct EvalCmd {
  std::string expr;
  int line = 0;
  bool is_range = false;
  int64_t start = 0, end = 0, step = 0, eval_time = 0;
  bool fail = false, warn = false, ordered = false, info = false;
  std::optional<std::string> fail_message;
  std::shared_ptr<RE2> fail_regexp;
  std::map<int, std::vector<ExpectCmd>> expects;
  bool expect_scalar = false;
  double scalar = 0;
  std::vector<Expected> expected;
  bool expects_histogram = false;
  std::optional<std::string> expected_string;
  bool exclude_from_range = false;

  bool IsOrdered() const { return ordered || expects.count(kOrdered) > 0; }
  bool IsFail() const { return fail || expects.count(kFail) > 0; }
};

class Runner {
 public:
  Runner(std::string name, std::ostream& out, const PromqlTestOptions& options)
      : name_(std::move(name)), out_(out), options_(options) {
    // Loaders instead of samples, as the metric store's source returns them: the conformance
    // cases run the engine's streaming path.
    source_.set_lazy(true);
  }

  PromqlTestCounts Run(const std::string& content);

 private:
  Status ParseAndRun(const std::vector<std::string>& lines);
  Status RunLoad(const std::vector<std::string>& lines, size_t* i);
  Status ParseEval(const std::vector<std::string>& lines, size_t* i, EvalCmd* cmd);
  void RunEval(const EvalCmd& cmd);
  bool TouchesHistograms(const EvalCmd& cmd);
  std::optional<std::string> RunInstant(const EvalCmd& cmd, const std::string& expr, int64_t t);
  std::optional<std::string> RunRange(const EvalCmd& cmd);
  std::optional<std::string> CheckFailure(const EvalCmd& cmd, const Status& s);
  std::optional<std::string> CheckAnnotations(const EvalCmd& cmd, const Annotations& a);
  std::optional<std::string> CompareVector(const EvalCmd& cmd, const std::vector<VectorElement>& v);
  std::optional<std::string> CompareMatrix(const EvalCmd& cmd, const std::vector<MatrixSeries>& m);
  std::optional<std::string> CompareResult(const EvalCmd& cmd, const QueryResult& r);

  std::string name_;
  std::ostream& out_;
  PromqlTestOptions options_;
  PromqlTestCounts counts_;
  MemorySeriesSource source_;
  std::vector<Labels> histogram_series_;
  Engine engine_;
};

std::vector<std::string> GetLines(const std::string& content) {
  std::vector<std::string> lines;
  std::stringstream ss(content);
  std::string l;
  while (std::getline(ss, l)) {
    std::string t = TrimSpace(l);
    if (!t.empty() && t[0] == '#') t.clear();
    lines.push_back(std::move(t));
  }
  return lines;
}

Result<int64_t> Duration(const std::string& s) { return ParseDuration(TrimSpace(s)); }

PromqlTestCounts Runner::Run(const std::string& content) {
  Status s = ParseAndRun(GetLines(content));
  if (!s.ok()) {
    out_ << name_ << ": " << s.message() << "\n";
    counts_.failed++;
  }
  return counts_;
}

Status Runner::ParseAndRun(const std::vector<std::string>& lines) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty()) continue;
    std::string first = l.substr(0, l.find_first_of(" \t"));
    for (auto& c : first) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (first == "clear") {
      source_.Clear();
      histogram_series_.clear();
    } else if (first.rfind("load", 0) == 0) {
      LOUPE_RETURN_IF_ERROR(RunLoad(lines, &i));
    } else if (first.rfind("eval", 0) == 0) {
      EvalCmd cmd;
      Status s = ParseEval(lines, &i, &cmd);
      if (!s.ok()) {
        out_ << name_ << ":" << cmd.line << ": " << s.message() << "\n";
        counts_.failed++;
        continue;
      }
      RunEval(cmd);
    } else {
      return Status::InvalidArgument("line " + std::to_string(i + 1) + ": invalid command \"" + l +
                                     "\"");
    }
  }
  return Status::OK();
}

// The series a load_with_nhcb block derives from classic histogram series:
// x_bucket{le=...}, x_count, x_sum -> x (without le).
std::optional<Labels> NhcbSeries(const Labels& l) {
  const std::string_view name = l.MetricName();
  for (std::string_view suf : {"_bucket", "_count", "_sum"}) {
    if (name.size() > suf.size() && name.substr(name.size() - suf.size()) == suf) {
      if (suf == "_bucket" && !l.Has("le")) return std::nullopt;
      return l.Without("le").With(storage::model::kMetricNameLabel,
                                  name.substr(0, name.size() - suf.size()));
    }
  }
  return std::nullopt;
}

Status Runner::RunLoad(const std::vector<std::string>& lines, size_t* i) {
  static const RE2 kLoad(R"(^load(?:_(with_nhcb))?\s+(.+?)$)");
  std::string nhcb, step_str;
  if (!RE2::FullMatch(lines[*i], kLoad, &nhcb, &step_str)) {
    return Status::InvalidArgument("line " + std::to_string(*i + 1) +
                                   ": invalid load command. (load[_with_nhcb] <step:duration>)");
  }
  auto step = Duration(step_str);
  if (!step.ok()) {
    return Status::InvalidArgument("line " + std::to_string(*i + 1) +
                                   ": invalid step definition \"" + step_str +
                                   "\": " + step.status().message());
  }
  // Later definitions of the same series within one block replace earlier ones.
  std::map<Labels, std::vector<SequenceValue>> defs;
  while (*i + 1 < lines.size() && !lines[*i + 1].empty()) {
    ++*i;
    const std::string& def = lines[*i];
    const std::string first_token = def.substr(0, def.find_first_of(" \t"));
    if (first_token.size() >= 3 && first_token.compare(first_token.size() - 3, 3, "@st") == 0) {
      continue;  // start-timestamp annotations (newer promqltest syntax) are ignored
    }
    auto desc = ParseSeriesDesc(def);
    if (!desc.ok()) {
      return Status::InvalidArgument("line " + std::to_string(*i + 1) + ": " +
                                     desc.status().message());
    }
    defs[desc->labels] = std::move(desc->values);
  }
  for (auto& [labels, vals] : defs) {
    std::vector<Sample> samples;
    bool histogram = false;
    for (size_t k = 0; k < vals.size(); ++k) {
      if (vals[k].omitted) continue;
      if (vals[k].histogram) {
        histogram = true;
        continue;
      }
      samples.push_back({static_cast<int64_t>(k) * *step, vals[k].value});
    }
    if (histogram) histogram_series_.push_back(labels);
    if (!samples.empty()) source_.Add(labels, samples);
    if (!nhcb.empty()) {
      if (auto h = NhcbSeries(labels)) histogram_series_.push_back(*h);
    }
  }
  return Status::OK();
}

Status Runner::ParseEval(const std::vector<std::string>& lines, size_t* i, EvalCmd* cmd) {
  static const RE2 kInstant(
      R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
  static const RE2 kRange(
      R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$)");
  static const RE2 kExpect(
      R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
  static const RE2 kExpectRange(R"(^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$)");
  const std::string& l = lines[*i];
  cmd->line = static_cast<int>(*i + 1);
  std::string mod, at, from, to, step;
  if (RE2::FullMatch(l, kInstant, &mod, &at, &cmd->expr)) {
    auto t = Duration(at);
    if (!t.ok()) return Status::InvalidArgument("invalid timestamp definition \"" + at + "\"");
    cmd->eval_time = cmd->start = cmd->end = *t;
  } else if (RE2::FullMatch(l, kRange, &mod, &from, &to, &step, &cmd->expr)) {
    cmd->is_range = true;
    auto f = Duration(from), t = Duration(to), s = Duration(step);
    if (!f.ok() || !t.ok() || !s.ok()) {
      return Status::InvalidArgument("invalid range definition in \"" + l + "\"");
    }
    if (*t < *f) return Status::InvalidArgument("end timestamp is before start timestamp");
    cmd->start = *f;
    cmd->end = *t;
    cmd->step = *s;
  } else {
    return Status::InvalidArgument("invalid evaluation command: " + l);
  }
  if (auto parsed = ParseExpr(cmd->expr); !parsed.ok()) {
    return Status::InvalidArgument("parsing \"" + cmd->expr + "\": " + parsed.status().message());
  }
  cmd->fail = mod == "fail";
  cmd->warn = mod == "warn";
  cmd->ordered = mod == "ordered";
  cmd->info = mod == "info";
  bool range_vector = false;
  for (int j = 1; *i + 1 < lines.size(); ++j) {
    const std::string& def = lines[*i + 1];
    if (def.empty()) break;
    ++*i;
    if (cmd->fail && def.rfind("expected_fail_message", 0) == 0) {
      cmd->fail_message = TrimSpace(def.substr(21));
      break;
    }
    if (cmd->fail && def.rfind("expected_fail_regexp", 0) == 0) {
      cmd->fail_regexp = std::make_shared<RE2>(TrimSpace(def.substr(20)));
      break;
    }
    if (def.rfind("expect range vector", 0) == 0) {
      std::string rf, rt, rs;
      if (!RE2::FullMatch(def, kExpectRange, &rf, &rt, &rs)) {
        return Status::InvalidArgument("invalid range vector definition \"" + def + "\"");
      }
      auto f = Duration(rf), t = Duration(rt), s = Duration(rs);
      if (!f.ok() || !t.ok() || !s.ok()) return Status::InvalidArgument("invalid range vector");
      cmd->start = *f;
      cmd->end = *t;
      cmd->step = *s;
      cmd->eval_time = *t;
      cmd->exclude_from_range = true;
      range_vector = true;
      continue;
    }
    if (def.rfind("expect string", 0) == 0) {
      std::string unq;
      if (def.size() <= 14 || !UnquotePromQL(TrimSpace(def.substr(14)), &unq)) {
        return Status::InvalidArgument("expected string literal not valid");
      }
      cmd->expected_string = unq;
      cmd->exclude_from_range = true;
      continue;
    }
    if (def.substr(0, def.find(' ')) == "expect") {
      std::string type, kind, text;
      if (!RE2::FullMatch(TrimSpace(def), kExpect, &type, &kind, &text)) {
        return Status::InvalidArgument(
            "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
      }
      static const std::map<std::string, int> kTypes = {
          {"ordered", kOrdered}, {"fail", kFail}, {"warn", kWarn},
          {"no_warn", kNoWarn},  {"info", kInfo}, {"no_info", kNoInfo}};
      ExpectCmd e;
      if (kind == "msg") {
        e.message = TrimSpace(text);
      } else if (kind == "regex") {
        e.regex = std::make_shared<RE2>(TrimSpace(text));
        if (!e.regex->ok()) return Status::InvalidArgument("invalid regex " + text);
      } else {
        e.any = true;
      }
      cmd->expects[kTypes.at(type)].push_back(std::move(e));
      --j;
      continue;
    }
    double f;
    std::string err;
    if (ParseGoNumber(def, &f, &err)) {
      cmd->expect_scalar = true;
      cmd->scalar = f;
      break;
    }
    auto desc = ParseSeriesDesc(def);
    if (!desc.ok()) {
      return Status::InvalidArgument("line " + std::to_string(*i + 1) + ": " +
                                     desc.status().message());
    }
    if (desc->values.size() > 1 && !cmd->is_range && !range_vector) {
      return Status::InvalidArgument("expecting multiple values in instant evaluation not allowed");
    }
    for (const auto& v : desc->values) cmd->expects_histogram |= v.histogram;
    bool replaced = false;
    for (auto& e : cmd->expected) {
      if (e.labels == desc->labels) {
        e = Expected{j, desc->labels, desc->values};
        replaced = true;
      }
    }
    if (!replaced) cmd->expected.push_back(Expected{j, desc->labels, std::move(desc->values)});
  }
  if (range_vector) cmd->is_range = false;
  return Status::OK();
}

void CollectSelectors(const Expr& e, std::vector<const VectorSelector*>* out) {
  if (e.kind == ExprKind::kVectorSelector) out->push_back(&As<VectorSelector>(e));
  for (const Expr* c : Children(e)) CollectSelectors(*c, out);
}

bool Runner::TouchesHistograms(const EvalCmd& cmd) {
  if (cmd.expects_histogram) return true;
  if (histogram_series_.empty()) return false;
  auto expr = ParseExpr(cmd.expr);
  if (!expr.ok()) return false;
  std::vector<const VectorSelector*> selectors;
  CollectSelectors(**expr, &selectors);
  for (const VectorSelector* vs : selectors) {
    for (const Labels& h : histogram_series_) {
      bool all = true;
      for (const auto& m : vs->matchers) {
        if (!m.Matches(h)) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
  }
  return false;
}

std::string CaseName(const EvalCmd& cmd) {
  if (cmd.is_range) {
    return "eval range from " + std::to_string(cmd.start) + "ms to " + std::to_string(cmd.end) +
           "ms step " + std::to_string(cmd.step) + "ms " + cmd.expr;
  }
  return "eval instant at " + std::to_string(cmd.eval_time) + "ms " + cmd.expr;
}

// Prometheus's atModifierTestCases: the query with every selector and subquery not already
// pinned (and not inside a pinned subquery) pinned at `t`; nullopt when the query calls a
// function whose result depends on the evaluation time.
std::optional<std::string> PinnedExpr(const std::string& query, int64_t t) {
  auto parsed = ParseExpr(query);
  if (!parsed.ok()) return std::nullopt;
  bool unsafe = false;
  static constexpr std::string_view kUnsafe[] = {
      "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",     "minute",
      "month",         "year",         "predict_linear", "time",        "timestamp"};
  std::function<void(Expr&, bool)> visit = [&](Expr& e, bool pinned) {
    if (pinned) return;
    switch (e.kind) {
      // Prometheus keeps `@ start()`/`@ end()` apart from a timestamp until evaluation, so
      // those are pinned as well.
      case ExprKind::kVectorSelector: {
        auto& m = As<VectorSelector>(e).mods;
        if (m.at != AtModifier::kTimestamp) {
          m.at = AtModifier::kTimestamp;
          m.at_ms = t;
        }
        break;
      }
      case ExprKind::kSubquery: {
        auto& sq = As<SubqueryExpr>(e);
        if (sq.mods.at != AtModifier::kTimestamp) {
          sq.mods.at = AtModifier::kTimestamp;
          sq.mods.at_ms = t;
        }
        visit(*sq.expr, true);
        return;
      }
      case ExprKind::kCall:
        for (auto u : kUnsafe) unsafe |= As<Call>(e).func->name == u;
        break;
      default:
        break;
    }
    for (Expr* c : Children(e)) visit(*c, false);
  };
  visit(**parsed, false);
  if (unsafe) return std::nullopt;
  return Print(**parsed);
}

void Runner::RunEval(const EvalCmd& cmd) {
  if (TouchesHistograms(cmd)) {
    counts_.skipped++;
    if (options_.verbose) {
      out_ << name_ << ":" << cmd.line << ": SKIP (native histograms) " << cmd.expr << "\n";
    }
    return;
  }
  std::optional<std::string> err;
  if (cmd.is_range) {
    err = RunRange(cmd);
  } else {
    err = RunInstant(cmd, cmd.expr, cmd.eval_time);
    if (!err) {
      if (auto pinned = PinnedExpr(cmd.expr, cmd.eval_time)) {
        const int64_t ts = cmd.eval_time;
        std::vector<int64_t> times = {-10 * ts, 0, ts / 5, ts, 10 * ts};
        if (ts == 0) times = {-1000, 0, 1000};
        for (int64_t t : times) {
          err = RunInstant(cmd, *pinned, t);
          if (err) break;
        }
      }
    }
  }
  if (err) {
    counts_.failed++;
    out_ << name_ << ":" << cmd.line << ": FAIL " << CaseName(cmd) << "\n" << *err << "\n";
  } else {
    counts_.passed++;
    if (options_.verbose) out_ << name_ << ":" << cmd.line << ": PASS " << cmd.expr << "\n";
  }
}

std::optional<std::string> Runner::CheckFailure(const EvalCmd& cmd, const Status& s) {
  const std::string& msg = s.message();
  if (cmd.fail_message && *cmd.fail_message != msg) {
    return "  expected error: " + *cmd.fail_message + "\n  got error:      " + msg;
  }
  if (cmd.fail_regexp && !RE2::PartialMatch(msg, *cmd.fail_regexp)) {
    return "  expected error matching: " + cmd.fail_regexp->pattern() + "\n  got error: " + msg;
  }
  auto it = cmd.expects.find(kFail);
  if (it != cmd.expects.end() && !it->second.empty() && !it->second[0].Match(msg)) {
    return "  expected error matching: " + it->second[0].Describe() + "\n  got error: " + msg;
  }
  return std::nullopt;
}

std::optional<std::string> Runner::CheckAnnotations(const EvalCmd& cmd, const Annotations& a) {
  std::vector<std::string> warnings, infos;
  for (const auto& x : a.items()) {
    (x.kind == AnnotationKind::kWarning ? warnings : infos).push_back(x.message);
  }
  auto all = [&] {
    std::string s;
    for (const auto& x : a.items()) s += "\n    " + x.message;
    return s.empty() ? std::string(" (none)") : s;
  };
  if (cmd.warn && warnings.empty()) return "  expected warnings but got none";
  if (cmd.info && infos.empty()) return "  expected info annotations but got none";
  auto check = [&](int type, const std::vector<std::string>& actual,
                   const char* what) -> std::optional<std::string> {
    auto it = cmd.expects.find(type);
    if (it == cmd.expects.end() || it->second.empty()) return std::nullopt;
    if (actual.empty())
      return std::string("  expected ") + what + " annotations but none were found";
    for (const auto& e : it->second) {
      bool found = false;
      for (const auto& x : actual) found |= e.Match(x);
      if (!found) {
        return std::string("  expected ") + what + " annotation matching \"" + e.Describe() +
               "\"; annotations:" + all();
      }
    }
    for (const auto& x : actual) {
      bool found = false;
      for (const auto& e : it->second) found |= e.Match(x);
      if (!found) return std::string("  unexpected ") + what + " annotation \"" + x + "\"";
    }
    return std::nullopt;
  };
  if (auto e = check(kWarn, warnings, "warn")) return e;
  if (auto e = check(kInfo, infos, "info")) return e;
  if (cmd.expects.count(kNoWarn) && !warnings.empty()) {
    return "  unexpected warning annotations:" + all();
  }
  if (cmd.expects.count(kNoInfo) && !infos.empty()) {
    return "  unexpected info annotations:" + all();
  }
  return std::nullopt;
}

std::string ExpectedString(const EvalCmd& cmd) {
  std::string s;
  if (cmd.expect_scalar) return "  expected: scalar " + Fmt(cmd.scalar) + "\n";
  if (cmd.expected.empty()) return "  expected: (empty)\n";
  for (const auto& e : cmd.expected) {
    s += "  expected: " + GoLabelsString(e.labels);
    for (const auto& v : e.vals) s += v.omitted ? " _" : " " + Fmt(v.value);
    s += "\n";
  }
  return s;
}

std::optional<std::string> Runner::CompareVector(const EvalCmd& cmd,
                                                 const std::vector<VectorElement>& v) {
  if (cmd.expect_scalar) return std::string("expected scalar result, but got a vector");
  std::vector<bool> seen(cmd.expected.size(), false);
  for (size_t pos = 0; pos < v.size(); ++pos) {
    const Expected* exp = nullptr;
    for (size_t k = 0; k < cmd.expected.size(); ++k) {
      if (cmd.expected[k].labels == v[pos].metric) {
        exp = &cmd.expected[k];
        seen[k] = true;
      }
    }
    if (exp == nullptr) {
      return "unexpected metric " + GoLabelsString(v[pos].metric) + " with value " + Fmt(v[pos].v);
    }
    if (cmd.IsOrdered() && exp->pos != static_cast<int>(pos) + 1) {
      return "expected metric " + GoLabelsString(v[pos].metric) + " at position " +
             std::to_string(exp->pos) + " but was at " + std::to_string(pos + 1);
    }
    if (exp->vals.empty() || !AlmostEqual(exp->vals[0].value, v[pos].v)) {
      return "expected " + (exp->vals.empty() ? std::string("?") : Fmt(exp->vals[0].value)) +
             " for " + GoLabelsString(v[pos].metric) + " but got " + Fmt(v[pos].v);
    }
  }
  for (size_t k = 0; k < seen.size(); ++k) {
    if (!seen[k]) return "expected metric " + GoLabelsString(cmd.expected[k].labels) + " not found";
  }
  return std::nullopt;
}

std::optional<std::string> Runner::CompareMatrix(const EvalCmd& cmd,
                                                 const std::vector<MatrixSeries>& m) {
  if (cmd.IsOrdered()) return std::string("expected ordered result, but query returned a matrix");
  if (cmd.expect_scalar) return std::string("expected scalar result, but got a matrix");
  for (size_t i = 1; i < m.size(); ++i) {
    if (m[i].metric < m[i - 1].metric) return std::string("matrix result is not sorted by labels");
  }
  std::vector<bool> seen(cmd.expected.size(), false);
  for (const auto& s : m) {
    const Expected* exp = nullptr;
    for (size_t k = 0; k < cmd.expected.size(); ++k) {
      if (cmd.expected[k].labels == s.metric) {
        exp = &cmd.expected[k];
        seen[k] = true;
      }
    }
    if (exp == nullptr) return "unexpected metric " + GoLabelsString(s.metric) + " in result";
    std::vector<Point> want;
    for (size_t i = 0; i < exp->vals.size(); ++i) {
      const int64_t t = cmd.start + static_cast<int64_t>(i) * cmd.step;
      if (t > cmd.end) {
        return "expected " + std::to_string(exp->vals.size()) + " points for " +
               GoLabelsString(s.metric) + ", but the query time range cannot return this many";
      }
      if (!exp->vals[i].omitted) want.push_back({t, exp->vals[i].value});
    }
    auto got_str = [&] {
      std::string g;
      for (const auto& p : s.points) g += " " + Fmt(p.v) + "@" + std::to_string(p.t);
      return g;
    };
    if (want.size() != s.points.size()) {
      return "expected " + std::to_string(want.size()) + " points for " + GoLabelsString(s.metric) +
             ", got" + got_str();
    }
    for (size_t i = 0; i < want.size(); ++i) {
      if (want[i].t != s.points[i].t || !AlmostEqual(want[i].v, s.points[i].v)) {
        return "expected " + Fmt(want[i].v) + "@" + std::to_string(want[i].t) + " for " +
               GoLabelsString(s.metric) + ", got" + got_str();
      }
    }
  }
  for (size_t k = 0; k < seen.size(); ++k) {
    if (!seen[k]) return "expected metric " + GoLabelsString(cmd.expected[k].labels) + " not found";
  }
  return std::nullopt;
}

std::optional<std::string> Runner::CompareResult(const EvalCmd& cmd, const QueryResult& r) {
  switch (r.type) {
    case ValueType::kVector:
      return CompareVector(cmd, r.vector);
    case ValueType::kMatrix:
      return CompareMatrix(cmd, r.matrix);
    case ValueType::kScalar:
      if (!cmd.expect_scalar)
        return std::string("expected vector or matrix result, but got a scalar");
      if (!AlmostEqual(cmd.scalar, r.scalar.v)) {
        return "expected scalar " + Fmt(cmd.scalar) + " but got " + Fmt(r.scalar.v);
      }
      return std::nullopt;
    case ValueType::kString:
      if (!cmd.expected_string || *cmd.expected_string != r.string.v) {
        return "unexpected string result " + GoQuote(r.string.v);
      }
      return std::nullopt;
    default:
      return std::string("unexpected result type");
  }
}

std::optional<std::string> Runner::RunInstant(const EvalCmd& cmd, const std::string& expr,
                                              int64_t t) {
  auto res = engine_.InstantQuery(source_, expr, t);
  const std::string where = "  query: " + expr + " at " + std::to_string(t) + "ms\n";
  if (!res.ok()) {
    if (cmd.IsFail()) {
      auto e = CheckFailure(cmd, res.status());
      return e ? std::optional<std::string>(where + *e) : std::nullopt;
    }
    return where + "  error: " + res.status().message();
  }
  if (cmd.IsFail()) return where + "  expected an error but the query succeeded";
  if (auto e = CheckAnnotations(cmd, res->annotations)) return where + *e;
  if (auto e = CompareResult(cmd, *res)) {
    return where + "  " + *e + "\n" + ExpectedString(cmd) + "  got:\n" + DebugString(*res);
  }
  if (cmd.exclude_from_range) return std::nullopt;
  static const RE2 kContextFuncs(R"((start|end|range|step)\(\))");
  if (RE2::PartialMatch(expr, kContextFuncs)) return std::nullopt;
  // The same query as a range query must give the same result at t.
  auto rr = engine_.RangeQuery(source_, expr, t - 60000, t + 60000, 60000);
  if (!rr.ok()) return where + "  error in range mode: " + rr.status().message();
  if (cmd.IsOrdered()) return std::nullopt;
  QueryResult at;
  at.type = res->type == ValueType::kScalar ? ValueType::kScalar : ValueType::kVector;
  for (size_t i = 1; i < rr->matrix.size(); ++i) {
    if (rr->matrix[i].metric < rr->matrix[i - 1].metric) {
      return where + "  range mode: matrix result is not sorted by labels";
    }
  }
  for (const auto& s : rr->matrix) {
    for (const auto& p : s.points) {
      if (p.t == t) {
        at.vector.push_back({s.metric, t, p.v});
        break;
      }
    }
  }
  if (at.type == ValueType::kScalar) {
    if (at.vector.empty()) return where + "  range mode: no scalar value at t";
    at.scalar = {t, at.vector[0].v};
  }
  if (auto e = CompareResult(cmd, at)) {
    return where + "  range mode: " + *e + "\n" + ExpectedString(cmd) + "  got:\n" +
           DebugString(at);
  }
  return std::nullopt;
}

std::optional<std::string> Runner::RunRange(const EvalCmd& cmd) {
  auto res = engine_.RangeQuery(source_, cmd.expr, cmd.start, cmd.end, cmd.step);
  if (!res.ok()) {
    if (cmd.IsFail()) return CheckFailure(cmd, res.status());
    return "  error: " + res.status().message();
  }
  if (cmd.IsFail()) return std::string("  expected an error but the query succeeded");
  if (auto e = CheckAnnotations(cmd, res->annotations)) return e;
  if (auto e = CompareResult(cmd, *res)) {
    return "  " + *e + "\n" + ExpectedString(cmd) + "  got:\n" + DebugString(*res);
  }
  return std::nullopt;
}

}  // namespace

PromqlTestCounts RunPromqlTestScript(const std::string& name, const std::string& content,
                                     std::ostream& out, const PromqlTestOptions& options) {
  Runner runner(name, out, options);
  PromqlTestCounts c = runner.Run(content);
  if (options.per_file_summary) {
    out << name << ": " << c.passed << " passed, " << c.failed << " failed, " << c.skipped
        << " skipped\n";
  }
  return c;
}

PromqlTestCounts RunPromqlTestFiles(const std::vector<std::string>& paths, std::ostream& out,
                                    const PromqlTestOptions& options) {
  PromqlTestCounts total;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      out << path << ": cannot read file\n";
      total.failed++;
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    PromqlTestCounts c = RunPromqlTestScript(path, ss.str(), out, options);
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  out << total.passed << " passed, " << total.failed << " failed, " << total.skipped
      << " skipped\n";
  return total;
}

}  // namespace loupe::query::promql::test

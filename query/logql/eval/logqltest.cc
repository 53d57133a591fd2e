#include "query/logql/eval/logqltest.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "query/common/go_format.h"
#include "query/logql/eval/engine.h"
#include "query/logql/eval/memory_log_source.h"
#include "query/logql/log/labels_builder.h"
#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql {

namespace {

using storage::model::Labels;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view NextToken(std::string_view* s) {
  *s = Trim(*s);
  size_t i = 0;
  while (i < s->size() && (*s)[i] != ' ' && (*s)[i] != '\t') ++i;
  std::string_view t = s->substr(0, i);
  s->remove_prefix(i);
  *s = Trim(*s);
  return t;
}

bool ParseTime(std::string_view s, int64_t* out) {
  if (s == "0") {
    *out = 0;
    return true;
  }
  if (auto d = gocompat::ParseGoDuration(s)) {
    *out = *d;
    return true;
  }
  auto p = gocompat::ParsePromDuration(s);
  if (p.ok()) {
    *out = *p;
    return true;
  }
  return false;
}

// A Go-style quoted string at the start of *s (consumed). Supports the common escapes.
bool Unquote(std::string_view* s, std::string* out) {
  out->clear();
  if (s->empty() || (*s)[0] != '"') return false;
  size_t i = 1;
  for (; i < s->size(); ++i) {
    const char c = (*s)[i];
    if (c == '"') {
      s->remove_prefix(i + 1);
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= s->size()) return false;
    const char e = (*s)[i];
    switch (e) {
      case 'n': out->push_back('\n'); break;
      case 't': out->push_back('\t'); break;
      case 'r': out->push_back('\r'); break;
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case 'x': {
        if (i + 2 >= s->size()) return false;
        out->push_back(static_cast<char>(std::stoi(std::string(s->substr(i + 1, 2)), nullptr, 16)));
        i += 2;
        break;
      }
      case 'u': {
        if (i + 4 >= s->size()) return false;
        const uint32_t r = static_cast<uint32_t>(std::stoul(std::string(s->substr(i + 1, 4)), nullptr, 16));
        if (r < 0x80) {
          out->push_back(static_cast<char>(r));
        } else if (r < 0x800) {
          out->push_back(static_cast<char>(0xC0 | (r >> 6)));
          out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
        } else {
          out->push_back(static_cast<char>(0xE0 | (r >> 12)));
          out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
          out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
        }
        i += 4;
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

// `{a="b", c=""}` at the start of *s (consumed). Keeps empty values; sorted.
bool ParseLabelSet(std::string_view* s, std::vector<Label>* out) {
  out->clear();
  std::string_view t = Trim(*s);
  if (t.empty() || t[0] != '{') return false;
  t.remove_prefix(1);
  while (true) {
    t = Trim(t);
    if (!t.empty() && t[0] == '}') {
      t.remove_prefix(1);
      break;
    }
    size_t i = 0;
    while (i < t.size() && t[i] != '=' && t[i] != ' ') ++i;
    Label l;
    l.name = std::string(t.substr(0, i));
    t.remove_prefix(i);
    t = Trim(t);
    if (t.empty() || t[0] != '=') return false;
    t.remove_prefix(1);
    t = Trim(t);
    if (!Unquote(&t, &l.value)) return false;
    out->push_back(std::move(l));
    t = Trim(t);
    if (!t.empty() && t[0] == ',') t.remove_prefix(1);
  }
  std::sort(out->begin(), out->end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  *s = t;
  return true;
}

bool ParseValue(std::string_view s, double* v) {
  if (s == "NaN") {
    *v = std::nan("");
    return true;
  }
  if (s == "+Inf" || s == "Inf") {
    *v = INFINITY;
    return true;
  }
  if (s == "-Inf") {
    *v = -INFINITY;
    return true;
  }
  std::string err;
  auto f = gocompat::ParseFloat(s, &err);
  if (!f) return false;
  *v = *f;
  return true;
}

bool Close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::string Fmt(double v) { return query::FormatFloatG(v); }

struct Block {
  int line = 0;
  std::string head;
  std::vector<std::pair<int, std::string>> body;
};

class Runner {
 public:
  Runner(std::string_view name, LogqlTestReport* report) : name_(name), report_(report) {}

  Status Run(std::string_view script) {
    std::vector<std::string> lines;
    {
      std::string cur;
      for (char c : script) {
        if (c == '\n') {
          lines.push_back(cur);
          cur.clear();
        } else {
          cur.push_back(c);
        }
      }
      if (!cur.empty()) lines.push_back(cur);
    }
    size_t i = 0;
    while (i < lines.size()) {
      std::string_view l = lines[i];
      std::string_view t = Trim(l);
      if (t.empty() || t[0] == '#') {
        ++i;
        continue;
      }
      if (l[0] == ' ' || l[0] == '\t') {
        return Err(static_cast<int>(i + 1), "unexpected indented line");
      }
      Block b;
      b.line = static_cast<int>(i + 1);
      b.head = std::string(t);
      ++i;
      while (i < lines.size()) {
        std::string_view bl = lines[i];
        std::string_view bt = Trim(bl);
        if (bt.empty()) break;
        if (bl[0] != ' ' && bl[0] != '\t') break;
        if (bt[0] != '#') b.body.push_back({static_cast<int>(i + 1), std::string(bl)});
        ++i;
      }
      std::string_view head = b.head;
      const std::string_view cmd = NextToken(&head);
      if (cmd == "load") {
        LOUPE_RETURN_IF_ERROR(Load(b, head));
      } else if (cmd == "clear") {
        source_.Clear();
      } else if (cmd == "eval") {
        LOUPE_RETURN_IF_ERROR(Eval(b, head));
      } else {
        return Err(b.line, "unknown command " + std::string(cmd));
      }
    }
    return Status::OK();
  }

 private:
  Status Err(int line, const std::string& msg) const {
    return Status::InvalidArgument(std::string(name_) + ":" + std::to_string(line) + ": " + msg);
  }

  void Fail(const Block& b, const std::string& query, const std::string& what) {
    report_->failed++;
    report_->failures.push_back(std::string(name_) + ":" + std::to_string(b.line) + ": " + query +
                                "\n    " + what);
  }

  // `<ts> [with {md}] <line>` or `<ts>+<step>x<n> ...`.
  Status ParseEntryLine(int line, std::string_view t, bool with_categories,
                        std::vector<MemoryLogSource::Entry>* out,
                        std::vector<std::vector<Label>>* parsed) {
    std::string_view rest = t;
    const std::string_view ts_tok = NextToken(&rest);
    int64_t start = 0, step = 0, count = 0;
    const size_t plus = ts_tok.find('+');
    if (plus != std::string_view::npos) {
      const size_t x = ts_tok.find('x', plus);
      if (x == std::string_view::npos || !ParseTime(ts_tok.substr(0, plus), &start) ||
          !ParseTime(ts_tok.substr(plus + 1, x - plus - 1), &step)) {
        return Err(line, "bad repeated timestamp " + std::string(ts_tok));
      }
      auto n = gocompat::Atoi(ts_tok.substr(x + 1));
      if (!n) return Err(line, "bad repeat count");
      count = *n;
    } else if (!ParseTime(ts_tok, &start)) {
      return Err(line, "bad timestamp " + std::string(ts_tok));
    }
    std::vector<Label> md, pd;
    if (rest.substr(0, 5) == "with ") {
      rest.remove_prefix(5);
      if (!ParseLabelSet(&rest, &md)) return Err(line, "bad metadata");
      rest = Trim(rest);
    }
    if (with_categories) {
      if (rest.substr(0, 3) == "md{") {
        rest.remove_prefix(2);
        if (!ParseLabelSet(&rest, &md)) return Err(line, "bad md{}");
        rest = Trim(rest);
      }
      if (rest.substr(0, 7) == "parsed{") {
        rest.remove_prefix(6);
        if (!ParseLabelSet(&rest, &pd)) return Err(line, "bad parsed{}");
        rest = Trim(rest);
      }
    }
    std::string text;
    if (rest.substr(0, 2) == "q\"") {
      rest.remove_prefix(1);
      if (!Unquote(&rest, &text)) return Err(line, "bad quoted line");
    } else {
      text = std::string(rest);
    }
    for (int64_t k = 0; k <= count; ++k) {
      MemoryLogSource::Entry e;
      e.ts = start + k * step;
      e.line = text;
      for (size_t pos; (pos = e.line.find("{{i}}")) != std::string::npos;) {
        e.line.replace(pos, 5, std::to_string(k));
      }
      e.metadata = md;
      out->push_back(std::move(e));
      if (parsed) parsed->push_back(pd);
    }
    return Status::OK();
  }

  Status Load(const Block& b, std::string_view args) {
    std::string tenant = "anonymous";
    if (NextToken(&args) == "tenant") tenant = std::string(NextToken(&args));
    std::optional<Labels> cur;
    for (const auto& [ln, raw] : b.body) {
      std::string_view t = Trim(raw);
      if (t[0] == '{') {
        std::vector<Label> ls;
        if (!ParseLabelSet(&t, &ls)) return Err(ln, "bad label set");
        cur = Labels::FromUnsorted(ls);
        continue;
      }
      if (!cur) return Err(ln, "entry before any stream");
      std::vector<MemoryLogSource::Entry> entries;
      LOUPE_RETURN_IF_ERROR(ParseEntryLine(ln, t, false, &entries, nullptr));
      for (auto& e : entries) source_.Append(tenant, *cur, std::move(e));
    }
    return Status::OK();
  }

  struct Expect {
    bool fail = false;
    std::string msg, contains;
    bool ordered = false;
    bool empty = false;
  };

  Status Eval(const Block& b, std::string_view args) {
    QueryParams p;
    const std::string_view kind = NextToken(&args);
    if (kind == "logs") {
      p.instant = false;
      while (true) {
        const std::string_view save = args;
        const std::string_view opt = NextToken(&args);
        if (opt == "forward") p.direction = Direction::kForward;
        else if (opt == "backward") p.direction = Direction::kBackward;
        else if (opt == "categorize") p.categorize_labels = true;
        else if (opt == "limit") {
          auto n = gocompat::Atoi(NextToken(&args));
          if (!n) return Err(b.line, "bad limit");
          p.limit = static_cast<uint32_t>(*n);
        } else if (opt == "interval") {
          if (!ParseTime(NextToken(&args), &p.interval_ns)) return Err(b.line, "bad interval");
        } else {
          args = save;
          break;
        }
      }
      if (NextToken(&args) != "from" || !ParseTime(NextToken(&args), &p.start_ns) ||
          NextToken(&args) != "to" || !ParseTime(NextToken(&args), &p.end_ns)) {
        return Err(b.line, "expected: eval logs [opts] from <t> to <t> <query>");
      }
    } else if (kind == "instant") {
      p.instant = true;
      if (NextToken(&args) != "at" || !ParseTime(NextToken(&args), &p.end_ns)) {
        return Err(b.line, "expected: eval instant at <t> <query>");
      }
      p.start_ns = p.end_ns;
    } else if (kind == "range") {
      if (NextToken(&args) != "from" || !ParseTime(NextToken(&args), &p.start_ns) ||
          NextToken(&args) != "to" || !ParseTime(NextToken(&args), &p.end_ns) ||
          NextToken(&args) != "step" || !ParseTime(NextToken(&args), &p.step_ns)) {
        return Err(b.line, "expected: eval range from <t> to <t> step <d> <query>");
      }
    } else {
      return Err(b.line, "unknown eval kind " + std::string(kind));
    }
    p.query = std::string(args);
    Expect ex;
    std::vector<std::pair<int, std::string>> data;
    for (const auto& [ln, raw] : b.body) {
      std::string_view t = Trim(raw);
      if (t.substr(0, 7) == "expect ") {
        std::string_view e = t.substr(7);
        if (e.substr(0, 4) == "fail") {
          ex.fail = true;
          e = Trim(e.substr(4));
          if (e.substr(0, 4) == "msg:") {
            ex.msg = std::string(Trim(e.substr(4)));
            for (size_t pos; (pos = ex.msg.find("\\n")) != std::string::npos;) {
              ex.msg.replace(pos, 2, "\n");
            }
          }
          else if (e.substr(0, 9) == "contains:") ex.contains = std::string(Trim(e.substr(9)));
        } else if (e == "ordered") {
          ex.ordered = true;
        } else if (e == "empty") {
          ex.empty = true;
        } else {
          return Err(ln, "unknown expectation");
        }
        continue;
      }
      data.push_back({ln, raw});
    }

    Engine engine(&source_);
    auto r = engine.Exec(p);
    if (ex.fail) {
      if (r.ok()) return Fail(b, p.query, "expected an error, got success"), Status::OK();
      const std::string& m = r.status().message();
      if (!ex.msg.empty() && m != ex.msg) {
        Fail(b, p.query, "error mismatch:\n      want: " + ex.msg + "\n      got:  " + m);
        return Status::OK();
      }
      if (!ex.contains.empty() && m.find(ex.contains) == std::string::npos) {
        Fail(b, p.query, "error does not contain '" + ex.contains + "':\n      got: " + m);
        return Status::OK();
      }
      report_->passed++;
      return Status::OK();
    }
    if (!r.ok()) {
      Fail(b, p.query, "unexpected error: " + r.status().message());
      return Status::OK();
    }
    std::string diff;
    if (kind == "logs") {
      LOUPE_RETURN_IF_ERROR(CheckLogs(data, p, *r, &diff));
    } else {
      LOUPE_RETURN_IF_ERROR(CheckMetric(data, p, ex, *r, &diff));
    }
    if (!diff.empty()) Fail(b, p.query, diff);
    else report_->passed++;
    return Status::OK();
  }

  static std::string DumpStreams(const std::vector<Stream>& ss, bool cat) {
    std::string out;
    for (const Stream& s : ss) {
      out += "      " + LabelsString(s.labels) + "\n";
      for (const StreamEntry& e : s.entries) {
        out += "        " + gocompat::FormatGoDuration(e.ts) + " ";
        if (cat && !e.metadata.empty()) out += "md" + LabelsString(e.metadata) + " ";
        if (cat && !e.parsed.empty()) out += "parsed" + LabelsString(e.parsed) + " ";
        out += query::GoQuote(e.line) + "\n";
      }
    }
    return out;
  }

  Status CheckLogs(const std::vector<std::pair<int, std::string>>& data, const QueryParams& p,
                   const QueryResult& r, std::string* diff) {
    std::vector<Stream> want;
    for (const auto& [ln, raw] : data) {
      std::string_view t = Trim(raw);
      if (t[0] == '{') {
        want.emplace_back();
        if (!ParseLabelSet(&t, &want.back().labels)) return Err(ln, "bad label set");
        continue;
      }
      if (want.empty()) return Err(ln, "entry before any stream");
      std::vector<MemoryLogSource::Entry> es;
      std::vector<std::vector<Label>> parsed;
      LOUPE_RETURN_IF_ERROR(ParseEntryLine(ln, t, p.categorize_labels, &es, &parsed));
      for (size_t k = 0; k < es.size(); ++k) {
        StreamEntry se;
        se.ts = es[k].ts;
        se.line = es[k].line;
        se.metadata = es[k].metadata;
        se.parsed = parsed[k];
        want.back().entries.push_back(std::move(se));
      }
    }
    bool same = r.type == ResultType::kStreams && want.size() == r.streams.size();
    for (size_t i = 0; same && i < want.size(); ++i) {
      const Stream& a = want[i];
      const Stream& b = r.streams[i];
      same = a.labels == b.labels && a.entries.size() == b.entries.size();
      for (size_t k = 0; same && k < a.entries.size(); ++k) {
        const StreamEntry& x = a.entries[k];
        const StreamEntry& y = b.entries[k];
        same = x.ts == y.ts && x.line == y.line &&
               (!p.categorize_labels || (x.metadata == y.metadata && x.parsed == y.parsed));
      }
    }
    if (!same) {
      *diff = "streams mismatch\n    want:\n" + DumpStreams(want, p.categorize_labels) +
              "    got:\n" + DumpStreams(r.streams, p.categorize_labels);
    }
    return Status::OK();
  }

  Status CheckMetric(const std::vector<std::pair<int, std::string>>& data, const QueryParams& p,
                     const Expect& ex, const QueryResult& r, std::string* diff) {
    std::vector<int64_t> steps;
    if (p.instant) {
      steps.push_back(p.end_ns);
    } else {
      for (int64_t t = p.start_ns; t <= p.end_ns; t += p.step_ns) steps.push_back(t);
    }
    // Expected scalar: a single bare value line.
    if (data.size() == 1 && Trim(data[0].second)[0] != '{') {
      double v;
      if (!ParseValue(Trim(data[0].second), &v)) return Err(data[0].first, "bad value");
      if (r.type != ResultType::kScalar || !Close(v, r.scalar.value)) {
        *diff = "want scalar " + Fmt(v) + ", got " +
                (r.type == ResultType::kScalar ? "scalar " + Fmt(r.scalar.value) : "non-scalar");
      }
      return Status::OK();
    }
    struct Want {
      std::string key;
      std::vector<std::optional<double>> values;
    };
    std::vector<Want> want;
    for (const auto& [ln, raw] : data) {
      std::string_view t = Trim(raw);
      std::vector<Label> ls;
      if (!ParseLabelSet(&t, &ls)) return Err(ln, "bad label set");
      Want w;
      w.key = query::GoLabelsString(Labels::FromUnsorted(ls));
      while (!Trim(t).empty()) {
        const std::string_view tok = NextToken(&t);
        if (tok == "_") {
          w.values.push_back(std::nullopt);
          continue;
        }
        double v;
        if (!ParseValue(tok, &v)) return Err(ln, "bad value " + std::string(tok));
        w.values.push_back(v);
      }
      if (w.values.size() != steps.size()) {
        return Err(ln, "expected " + std::to_string(steps.size()) + " values");
      }
      want.push_back(std::move(w));
    }
    std::vector<Want> got;
    for (const Series& s : r.series) {
      Want g;
      g.key = query::GoLabelsString(s.labels);
      g.values.assign(steps.size(), std::nullopt);
      for (const SamplePoint& pt : s.points) {
        const auto it = std::lower_bound(steps.begin(), steps.end(), pt.ts);
        if (it != steps.end() && *it == pt.ts) g.values[it - steps.begin()] = pt.value;
      }
      got.push_back(std::move(g));
    }
    if (!ex.ordered) {
      auto by_key = [](const Want& a, const Want& b) { return a.key < b.key; };
      std::stable_sort(want.begin(), want.end(), by_key);
      std::stable_sort(got.begin(), got.end(), by_key);
    }
    bool same = want.size() == got.size() &&
                (p.instant ? r.type == ResultType::kVector : r.type == ResultType::kMatrix);
    for (size_t i = 0; same && i < want.size(); ++i) {
      same = want[i].key == got[i].key;
      for (size_t k = 0; same && k < steps.size(); ++k) {
        const auto& a = want[i].values[k];
        const auto& b = got[i].values[k];
        same = a.has_value() == b.has_value() && (!a || Close(*a, *b));
      }
    }
    if (!same) {
      auto dump = [](const std::vector<Want>& ws) {
        std::string out;
        for (const Want& w : ws) {
          out += "      " + w.key;
          for (const auto& v : w.values) out += " " + (v ? Fmt(*v) : std::string("_"));
          out += "\n";
        }
        return out;
      };
      *diff = "result mismatch\n    want:\n" + dump(want) + "    got:\n" + dump(got);
    }
    return Status::OK();
  }

  std::string_view name_;
  LogqlTestReport* report_;
  MemoryLogSource source_;
};

}  // namespace

Status RunLogqlTestScript(std::string_view name, std::string_view script,
                          LogqlTestReport* report) {
  Runner r(name, report);
  return r.Run(script);
}

Status RunLogqlTestFile(const std::string& path, LogqlTestReport* report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::string name = path;
  if (const size_t slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  return RunLogqlTestScript(name, text, report);
}

}  // namespace loupe::query::logql

// Golden-file runner for the TraceQL engine: each *.test file loads OTLP JSON fixtures into a
// fresh span store and checks search, metrics and tag results against the expected text.
//
// Commands (one per line; '#' starts a comment; expected output follows, indented 2 spaces):
//   base <ns>                       time origin for relative times (default 1.7e18)
//   load <file.json>                OTLP/JSON ExportTraceServiceRequest, path relative to the file
//   flush                           persist the head as a block
//   search[limit=N,spss=N,start=D,end=D] <query>
//   metrics[from=D,to=D,step=D] <query>      (range query; D is a duration from base)
//   instant[from=D,to=D] <query>
//   tagvalues[tag=T] <q>
//   tagnames[scope=S] <q>
// Search output:  trace <id> <rootService> "<rootName>" <duration>
//                   spanset matched=N [attr=value ...]
//                     span <id> "<name>" <duration> [attr=value ...]
// Metrics output: <promLabels> <offset>=<value> ...      Instant: <promLabels> <value>
// Errors:         error: <message>
// Usage: traceqltest_runner [--print] file.test...   (--print shows actual output)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/otlp/otlp_json.h"
#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/test_util.h"
#include "query/traceql/syntax/printer.h"
#include "storage/base/units.h"

namespace loupe::query::traceql {
namespace {

std::string Quote(const TypedValue& v) {
  if (v.type == TypedValue::Type::kString) return "\"" + v.s + "\"";
  return TypedValueString(v);
}

std::string Attrs(const std::vector<KeyValue>& kvs) {
  std::string out;
  for (const auto& kv : kvs) out += " " + kv.key + "=" + Quote(kv.value);
  return out;
}

std::vector<std::string> RenderSearch(const SearchResponse& r) {
  std::vector<std::string> out;
  for (const auto& t : r.traces) {
    out.push_back("trace " + t.trace_id + " " + t.root_service_name + " \"" + t.root_trace_name +
                  "\" " + FormatGoDuration(t.duration_ms * 1'000'000));
    for (const auto& s : t.span_sets) {
      out.push_back("  spanset matched=" + std::to_string(s.matched) + Attrs(s.attributes));
      for (const auto& sp : s.spans) {
        out.push_back("    span " + sp.span_id + " \"" + sp.name + "\" " +
                      FormatGoDuration(sp.duration_ns) + Attrs(sp.attributes));
      }
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[40];
  snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::vector<std::string> RenderMetrics(const MetricsResponse& r, int64_t base) {
  std::vector<std::string> out;
  for (const auto& s : r.series) {
    std::string line = s.prom_labels;
    if (r.instant) {
      line += " " + Num(s.value);
    } else {
      for (const auto& p : s.samples) {
        line += " " + FormatGoDuration(p.timestamp_ms * 1'000'000 - base) + "=" + Num(p.value);
      }
    }
    out.push_back(line);
  }
  return out;
}

struct Runner {
  std::string dir;
  bool print = false;
  int passed = 0, failed = 0;
  int64_t base = 1'700'000'000'000'000'000;
  std::unique_ptr<testing::TestStore> store;

  bool Duration(const std::string& s, int64_t* out) {
    auto d = ParseDurationNanos(s);
    if (!d.ok()) return false;
    *out = base + *d;
    return true;
  }

  // Splits "cmd[k=v,k=v] rest" into options and the rest.
  static std::vector<std::pair<std::string, std::string>> Options(const std::string& head) {
    std::vector<std::pair<std::string, std::string>> out;
    const size_t lb = head.find('[');
    if (lb == std::string::npos) return out;
    std::string body = head.substr(lb + 1, head.size() - lb - 2);
    std::stringstream ss(body);
    std::string item;
    while (std::getline(ss, item, ',')) {
      const size_t eq = item.find('=');
      if (eq != std::string::npos) out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    return out;
  }

  std::vector<std::string> Execute(const std::string& cmd, const std::string& head,
                                   const std::string& arg, std::string* problem) {
    const auto opts = Options(head);
    auto err = [](const Status& s) { return std::vector<std::string>{"error: " + s.message()}; };
    if (cmd == "search") {
      SearchRequest req;
      req.query = arg;
      for (const auto& [k, v] : opts) {
        if (k == "limit") req.limit = static_cast<uint32_t>(std::stoul(v));
        if (k == "spss") req.spans_per_spanset = static_cast<uint32_t>(std::stoul(v));
        if (k == "start" && !Duration(v, &req.start_ns)) *problem = "bad start";
        if (k == "end" && !Duration(v, &req.end_ns)) *problem = "bad end";
      }
      auto r = Search(store->store(), "t1", req);
      return r.ok() ? RenderSearch(*r) : err(r.status());
    }
    if (cmd == "metrics" || cmd == "instant") {
      MetricsRequest req;
      req.query = arg;
      req.instant = cmd == "instant";
      for (const auto& [k, v] : opts) {
        int64_t d = 0;
        if (!Duration(v, &d)) *problem = "bad duration " + v;
        if (k == "from") req.start_ns = d;
        if (k == "to") req.end_ns = d;
        if (k == "step") req.step_ns = d - base;
      }
      auto r = QueryRange(store->store(), "t1", req);
      return r.ok() ? RenderMetrics(*r, base) : err(r.status());
    }
    if (cmd == "tagvalues") {
      std::string tag;
      for (const auto& [k, v] : opts) {
        if (k == "tag") tag = v;
      }
      auto r = TagValues(store->store(), "t1", tag, arg, 0, 0, 0);
      if (!r.ok()) return err(r.status());
      std::vector<std::string> out;
      for (const auto& v : *r) {
        out.push_back(std::string(TypedValueTypeName(v.type)) + " " + TypedValueString(v));
      }
      return out;
    }
    if (cmd == "tagnames") {
      std::string scope;
      for (const auto& [k, v] : opts) {
        if (k == "scope") scope = v;
      }
      auto r = TagNames(store->store(), "t1", scope, arg, 0, 0, 0);
      if (!r.ok()) return err(r.status());
      std::vector<std::string> out;
      for (const auto& s : *r) {
        std::string line = s.name + ":";
        for (const auto& t : s.tags) line += " " + t;
        out.push_back(line);
      }
      return out;
    }
    *problem = "unknown command " + cmd;
    return {};
  }

  bool Load(const std::string& file) {
    std::ifstream in(dir + "/" + file);
    if (!in) {
      std::cerr << "cannot read " << dir << "/" << file << "\n";
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    ingest::otlp::coltrace::ExportTraceServiceRequest req;
    Status s = ingest::otlp::DecodeTracesJson(ss.str(), &req);
    if (s.ok()) {
      std::vector<testing::v1::ResourceSpans> rs(req.resource_spans().begin(),
                                                 req.resource_spans().end());
      s = store->Append(rs);
    }
    if (!s.ok()) std::cerr << file << ": " << s << "\n";
    return s.ok();
  }

  bool RunFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "cannot read " << path << "\n";
      return false;
    }
    const size_t slash = path.find_last_of('/');
    dir = slash == std::string::npos ? "." : path.substr(0, slash);
    store = std::make_unique<testing::TestStore>();
    base = 1'700'000'000'000'000'000;
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    bool ok = true;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      if (line.empty() || line[0] == '#' || line[0] == ' ') continue;
      const size_t sp = line.find(' ');
      const std::string head = line.substr(0, sp);
      const std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);
      const std::string cmd = head.substr(0, head.find('['));
      if (cmd == "base") {
        base = std::stoll(arg);
        continue;
      }
      if (cmd == "load") {
        ok = Load(arg) && ok;
        continue;
      }
      if (cmd == "flush") {
        ok = store->Flush().ok() && ok;
        continue;
      }
      std::vector<std::string> want;
      size_t j = i + 1;
      for (; j < lines.size() && lines[j].rfind("  ", 0) == 0; ++j)
        want.push_back(lines[j].substr(2));
      std::string problem;
      const std::vector<std::string> got = Execute(cmd, head, arg, &problem);
      const std::string where = path + ":" + std::to_string(i + 1);
      if (!problem.empty()) {
        std::cerr << where << ": " << problem << "\n";
        ++failed;
        ok = false;
      } else if (got != want) {
        ++failed;
        ok = false;
        std::cerr << where << ": " << line << "\n  want:\n";
        for (const auto& w : want) std::cerr << "    " << w << "\n";
        std::cerr << "  got:\n";
        for (const auto& g : got) std::cerr << "    " << g << "\n";
      } else {
        ++passed;
      }
      if (print) {
        std::cout << line << "\n";
        for (const auto& g : got) std::cout << "  " << g << "\n";
        std::cout << "\n";
      }
      i = j - 1;
    }
    return ok;
  }
};

}  // namespace
}  // namespace loupe::query::traceql

int main(int argc, char** argv) {
  loupe::query::traceql::Runner r;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--print") {
      r.print = true;
      continue;
    }
    ok = r.RunFile(a) && ok;
  }
  std::printf("%d passed, %d failed\n", r.passed, r.failed);
  return ok && r.failed == 0 ? 0 : 1;
}

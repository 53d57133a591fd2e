// Log pattern detection for /loki/api/v1/patterns with the Drain algorithm (P. He, J. Zhu,
// Z. Zheng, M. R. Lyu, "Drain: An Online Log Parsing Approach with Fixed Depth Tree", ICWS
// 2017), configured as Loki's pattern ingester configures it: tree depth 30, similarity
// threshold 0.3, at most 15 children per node, at most 300 clusters (least recently used
// evicted), variable tokens shown as `<_>`.
//
// Lines are split as Loki's punctuation tokenizer splits them: at spaces, at '=' and at
// punctuation other than `_ - . : /` (each punctuation character is a token of its own), at
// most 127 tokens; the pattern joins the template tokens back with the line's spacing, and runs
// of adjacent `<_>` collapse into one. A JSON line that has a string "log", "message", "msg",
// "msg_", "_msg" or "content" member is tokenized by that message and shown as
// `<_>message<_>`.
//
// Each cluster counts its lines per time bucket of `step_ns` (bucket = ts - ts mod step).
//
// Thread-safety: one Drain per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace loupe::query::logql {

struct DrainOptions {
  int depth = 30;
  double similarity = 0.3;
  size_t max_children = 15;
  size_t max_clusters = 300;
  int64_t step_ns = 10'000'000'000;  // sample bucket
};

struct DrainPattern {
  std::string pattern;
  uint64_t count = 0;
  std::vector<std::pair<int64_t, uint64_t>> samples;  // (bucket start ns, lines), ascending
};

class Drain {
 public:
  explicit Drain(DrainOptions options = {});
  ~Drain();

  // Adds one line seen at `ts_ns`.
  void Train(std::string_view line, int64_t ts_ns);

  // The current clusters, most lines first (ties by pattern text).
  std::vector<DrainPattern> Patterns() const;

  // The tokens and spacing a line is split into (exposed for tests).
  struct Tokens {
    std::vector<std::string> tokens;
    std::vector<uint8_t> space_after;  // spaces following each token
    bool json = false;                 // tokens come from a JSON message member
  };
  static Tokens Tokenize(std::string_view line);

 private:
  struct Node;
  struct Cluster {
    int id = 0;
    Tokens tokens;
    uint64_t size = 0;
    uint64_t last_used = 0;
    std::map<int64_t, uint64_t> buckets;
  };
  Cluster* Search(const std::vector<std::string>& tokens);
  void AddToTree(Cluster* c);
  void Evict();

  DrainOptions options_;
  int max_node_depth_;
  std::unique_ptr<Node> root_;
  std::unordered_map<int, std::unique_ptr<Cluster>> clusters_;
  int next_id_ = 0;
  uint64_t clock_ = 0;
};

}  // namespace loupe::query::logql

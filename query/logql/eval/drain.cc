#include "query/logql/eval/drain.h"

#include <algorithm>
#include <cctype>

#include "query/logql/log/json_scan.h"

namespace loupe::query::logql {

namespace {

constexpr std::string_view kParam = "<_>";
constexpr size_t kMaxTokens = 127;

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ASCII punctuation as Go's unicode.IsPunct sees it (symbols such as $ + < = > ^ ` | ~ are
// not punctuation there).
bool IsPunct(unsigned char c) {
  switch (c) {
    case '!':
    case '"':
    case '#':
    case '%':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case ',':
    case '.':
    case '/':
    case ':':
    case ';':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '_':
    case '{':
    case '}':
    case '-':
      return true;
    default:
      return false;
  }
}

void PunctuationTokens(std::string_view line, Drain::Tokens* t) {
  size_t start = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (t->tokens.size() >= kMaxTokens) {
      start = line.size();
      break;
    }
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c >= 0x80 || std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '/') {
      continue;
    }
    if (c == ' ' || c == '=' || IsPunct(c)) {
      if (i > start) {
        t->tokens.emplace_back(line.substr(start, i - start));
        t->space_after.push_back(0);
      }
      if (c == ' ') {
        if (!t->space_after.empty()) ++t->space_after.back();
      } else {
        t->tokens.emplace_back(line.substr(i, 1));
        t->space_after.push_back(0);
      }
      start = i + 1;
    }
  }
  if (start < line.size()) {
    t->tokens.emplace_back(line.substr(start));
    t->space_after.push_back(0);
  }
}

std::string Join(const Drain::Tokens& t) {
  std::string out;
  if (t.json) out += kParam;
  bool last_param = t.json;
  for (size_t i = 0; i < t.tokens.size(); ++i) {
    const bool param = t.tokens[i] == kParam;
    // Adjacent placeholders (no text between them) collapse into one.
    if (!(param && last_param && out.ends_with(kParam))) out += t.tokens[i];
    last_param = param;
    out.append(t.space_after[i], ' ');
  }
  if (t.json && !out.ends_with(kParam)) out += kParam;
  return out;
}

}  // namespace

struct Drain::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>> children;
  std::vector<int> cluster_ids;
};

Drain::Drain(DrainOptions options)
    : options_(options), max_node_depth_(options.depth - 2), root_(std::make_unique<Node>()) {}
Drain::~Drain() = default;

Drain::Tokens Drain::Tokenize(std::string_view line) {
  Tokens t;
  // Trailing newlines are not part of the message.
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (!line.empty() && line.front() == '{') {
    for (std::string_view key : {"log", "message", "msg", "msg_", "_msg", "content"}) {
      std::string msg;
      bool found = false;
      json::ObjectEach(line, [&](std::string_view k, std::string_view v, json::ValueType type) {
        if (k != key || type != json::ValueType::kString) return std::string_view();
        json::StringValue(v, &msg);
        found = true;
        return json::kStop;
      });
      if (found) {
        PunctuationTokens(msg, &t);
        // The tokens must outlive `msg`: they are copies already.
        t.json = true;
        return t;
      }
    }
  }
  PunctuationTokens(line, &t);
  return t;
}

Drain::Cluster* Drain::Search(const std::vector<std::string>& tokens) {
  auto it = root_->children.find(std::to_string(tokens.size()));
  if (it == root_->children.end()) return nullptr;
  Node* node = it->second.get();
  if (tokens.empty()) {
    for (int id : node->cluster_ids) {
      if (clusters_.count(id)) return clusters_[id].get();
    }
    return nullptr;
  }
  int depth = 1;
  for (const std::string& tok : tokens) {
    if (depth >= max_node_depth_ || depth == static_cast<int>(tokens.size())) break;
    auto c = node->children.find(tok);
    if (c == node->children.end()) c = node->children.find(std::string(kParam));
    if (c == node->children.end()) return nullptr;
    node = c->second.get();
    ++depth;
  }
  Cluster* best = nullptr;
  double best_sim = -1;
  int best_params = -1;
  for (int id : node->cluster_ids) {
    auto c = clusters_.find(id);
    if (c == clusters_.end()) continue;
    const std::vector<std::string>& ct = c->second->tokens.tokens;
    int same = 0, params = 0;
    for (size_t i = 0; i < ct.size(); ++i) {
      if (ct[i] == kParam)
        ++params;
      else if (ct[i] == tokens[i])
        ++same;
    }
    const double sim = static_cast<double>(same) / static_cast<double>(ct.size());
    if (sim > best_sim || (sim == best_sim && params > best_params)) {
      best_sim = sim;
      best_params = params;
      best = c->second.get();
    }
  }
  return best_sim >= options_.similarity ? best : nullptr;
}

void Drain::AddToTree(Cluster* cluster) {
  const std::vector<std::string>& tokens = cluster->tokens.tokens;
  auto& first = root_->children[std::to_string(tokens.size())];
  if (!first) first = std::make_unique<Node>();
  Node* node = first.get();
  if (tokens.empty()) {
    node->cluster_ids.push_back(cluster->id);
    return;
  }
  int depth = 1;
  const std::string param(kParam);
  for (const std::string& tok : tokens) {
    if (depth >= max_node_depth_ || depth >= static_cast<int>(tokens.size())) {
      auto& ids = node->cluster_ids;
      ids.erase(
          std::remove_if(ids.begin(), ids.end(), [&](int id) { return clusters_.count(id) == 0; }),
          ids.end());
      ids.push_back(cluster->id);
      break;
    }
    auto c = node->children.find(tok);
    if (c != node->children.end()) {
      node = c->second.get();
    } else if (HasDigit(tok)) {
      auto& p = node->children[param];
      if (!p) p = std::make_unique<Node>();
      node = p.get();
    } else if (node->children.count(param)) {
      if (node->children.size() < options_.max_children) {
        auto& n = node->children[tok];
        n = std::make_unique<Node>();
        node = n.get();
      } else {
        node = node->children[param].get();
      }
    } else if (node->children.size() + 1 < options_.max_children) {
      auto& n = node->children[tok];
      n = std::make_unique<Node>();
      node = n.get();
    } else {
      auto& p = node->children[param];
      if (!p) p = std::make_unique<Node>();
      node = p.get();
    }
    ++depth;
  }
}

void Drain::Evict() {
  while (options_.max_clusters > 0 && clusters_.size() > options_.max_clusters) {
    auto victim = clusters_.begin();
    for (auto it = clusters_.begin(); it != clusters_.end(); ++it) {
      if (it->second->last_used < victim->second->last_used) victim = it;
    }
    clusters_.erase(victim);  // stale ids in tree nodes are skipped and cleaned lazily
  }
}

void Drain::Train(std::string_view line, int64_t ts_ns) {
  Tokens t = Tokenize(line);
  const int64_t step = options_.step_ns > 0 ? options_.step_ns : 1;
  int64_t bucket = ts_ns - ts_ns % step;
  if (ts_ns < 0 && ts_ns % step != 0) bucket -= step;
  Cluster* c = Search(t.tokens);
  if (c == nullptr) {
    auto owned = std::make_unique<Cluster>();
    owned->id = ++next_id_;
    owned->tokens = std::move(t);
    c = owned.get();
    clusters_.emplace(c->id, std::move(owned));
    AddToTree(c);
  } else {
    for (size_t i = 0; i < t.tokens.size(); ++i) {
      if (c->tokens.tokens[i] != t.tokens[i]) c->tokens.tokens[i] = std::string(kParam);
    }
  }
  ++c->size;
  ++c->buckets[bucket];
  c->last_used = ++clock_;
  Evict();
}

std::vector<DrainPattern> Drain::Patterns() const {
  std::vector<DrainPattern> out;
  out.reserve(clusters_.size());
  for (const auto& [id, c] : clusters_) {
    DrainPattern p;
    p.pattern = Join(c->tokens);
    p.count = c->size;
    p.samples.assign(c->buckets.begin(), c->buckets.end());
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const DrainPattern& a, const DrainPattern& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.pattern < b.pattern;
  });
  return out;
}

}  // namespace loupe::query::logql

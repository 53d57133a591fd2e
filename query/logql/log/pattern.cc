#include "query/logql/log/pattern.h"

#include <set>

namespace loupe::query::logql {

namespace {
bool IsStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdent(char c) { return IsStart(c) || (c >= '0' && c <= '9'); }
}  // namespace

Result<std::vector<PatternMatcher::Node>> PatternMatcher::Parse(std::string_view in) {
  std::vector<Node> nodes;
  size_t i = 0;
  while (i < in.size()) {
    if (in[i] == '<' && i + 1 < in.size() && IsStart(in[i + 1])) {
      size_t j = i + 2;
      while (j < in.size() && IsIdent(in[j])) ++j;
      if (j < in.size() && in[j] == '>') {
        Node n;
        n.capture = true;
        n.text.assign(in.substr(i + 1, j - i - 1));
        n.named = n.text != "_";
        nodes.push_back(std::move(n));
        i = j + 1;
        continue;
      }
    }
    if (nodes.empty() || nodes.back().capture) nodes.emplace_back();
    nodes.back().text.push_back(in[i]);
    ++i;
  }
  return nodes;
}

Result<PatternMatcher> PatternMatcher::ForParser(std::string_view pattern) {
  LOUPE_ASSIGN_OR_RETURN(std::vector<Node> nodes, Parse(pattern));
  PatternMatcher m;
  for (const Node& n : nodes) {
    if (n.capture && n.named) m.names_.push_back(n.text);
  }
  if (m.names_.empty()) return Status::InvalidArgument("at least one capture is required");
  for (size_t i = 0; i + 1 < nodes.size(); ++i) {
    if (nodes[i].capture && nodes[i + 1].capture) {
      return Status::InvalidArgument("found consecutive capture '<" + nodes[i].text + "><" +
                                     nodes[i + 1].text + ">': invalid expression");
    }
  }
  std::set<std::string> seen;
  for (const std::string& name : m.names_) {
    if (!seen.insert(name).second) {
      return Status::InvalidArgument("duplicate capture name (" + name + "): invalid expression");
    }
  }
  m.nodes_ = std::move(nodes);
  return m;
}

Result<PatternMatcher> PatternMatcher::ForLineFilter(std::string_view pattern) {
  LOUPE_ASSIGN_OR_RETURN(std::vector<Node> nodes, Parse(pattern));
  for (size_t i = 0; i + 1 < nodes.size(); ++i) {
    if (nodes[i].capture && nodes[i + 1].capture) {
      return Status::InvalidArgument("found consecutive capture '<" + nodes[i].text + "><" +
                                     nodes[i + 1].text + ">': invalid expression");
    }
  }
  for (const Node& n : nodes) {
    if (n.capture && n.named) return Status::InvalidArgument("named captures are not allowed");
  }
  PatternMatcher m;
  m.nodes_ = std::move(nodes);
  return m;
}

void PatternMatcher::Matches(std::string_view in, std::vector<std::string_view>* out) const {
  out->clear();
  if (in.empty() || nodes_.empty()) return;
  size_t k = 0;
  if (!nodes_[0].capture) {
    if (in.substr(0, nodes_[0].text.size()) != nodes_[0].text) return;
    in.remove_prefix(nodes_[0].text.size());
    k = 1;
  }
  while (k < nodes_.size()) {
    const Node& cap = nodes_[k];
    if (k + 1 == nodes_.size()) {
      if (cap.named) out->push_back(in);
      return;
    }
    const Node& lit = nodes_[k + 1];
    k += 2;
    const size_t i = in.find(lit.text);
    if (i == std::string_view::npos) {
      if (cap.named) out->push_back(in);
      return;
    }
    if (cap.named) out->push_back(in.substr(0, i));
    in.remove_prefix(i + lit.text.size());
  }
}

bool PatternMatcher::Test(std::string_view in) const {
  if (in.empty() || nodes_.empty()) return in.empty() && nodes_.empty();
  size_t off = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].capture) continue;
    const size_t j = in.substr(off).find(nodes_[i].text);
    if (j == std::string_view::npos) return false;
    if (i != 0 && j == 0) return false;
    off += j + nodes_[i].text.size();
  }
  const bool needs_rest = nodes_.back().capture;
  return needs_rest == (off != in.size());
}

}  // namespace loupe::query::logql

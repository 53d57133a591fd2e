#include "query/logql/log/filters.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <cstring>

#include "query/common/go_format.h"
#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql {

// ---- ip() ---------------------------------------------------------------------------------

namespace {

// Go's netip.ParseAddr (without zones): IPv4 dotted quad (no leading zeros) or IPv6.
bool ParseAddr(std::string_view s, uint8_t out[16], bool* v4) {
  if (s.empty() || s.size() > 45) return false;
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  std::memset(out, 0, 16);
  if (s.find(':') == std::string_view::npos) {
    *v4 = true;
    return inet_pton(AF_INET, buf, out) == 1;
  }
  *v4 = false;
  return inet_pton(AF_INET6, buf, out) == 1;
}

bool IpV4Hint(const char* p) {
  return p[0] >= '0' && p[0] <= '9' && (p[1] == '.' || p[2] == '.' || p[3] == '.');
}
bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IpV6Hint(const char* p) {
  return (p[0] == ':' && p[1] == ':' && IsHex(p[2])) || (IsHex(p[0]) && p[1] == ':') ||
         (IsHex(p[0]) && IsHex(p[1]) && p[2] == ':') ||
         (IsHex(p[0]) && IsHex(p[1]) && IsHex(p[2]) && p[3] == ':') ||
         (IsHex(p[0]) && IsHex(p[1]) && IsHex(p[2]) && IsHex(p[3]) && p[4] == ':');
}
size_t Span(std::string_view s, bool v6) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= '0' && c <= '9') || c == '.' ||
                    (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
    if (!ok) break;
  }
  return i;
}

}  // namespace

Result<IpMatcher> IpMatcher::Create(std::string_view pattern) {
  IpMatcher m;
  const Status bad =
      Status::InvalidArgument("ip: invalid pattern: " + query::GoQuote(pattern));
  bool v4;
  if (ParseAddr(pattern, m.lo_, &v4)) {
    m.v4_ = v4;
    std::memcpy(m.hi_, m.lo_, 16);
    return m;
  }
  if (const size_t slash = pattern.find('/'); slash != std::string_view::npos) {
    uint8_t a[16];
    if (!ParseAddr(pattern.substr(0, slash), a, &v4)) return bad;
    auto bits = gocompat::Atoi(pattern.substr(slash + 1));
    const int max = v4 ? 32 : 128;
    if (!bits || *bits < 0 || *bits > max || pattern.substr(slash + 1).empty() ||
        (pattern.size() > slash + 2 && pattern[slash + 1] == '0')) {
      return bad;
    }
    const int nbytes = v4 ? 4 : 16;
    m.v4_ = v4;
    for (int i = 0; i < nbytes; ++i) {
      const int keep = std::max(0, std::min(8, static_cast<int>(*bits) - i * 8));
      const uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - keep));
      m.lo_[i] = a[i] & mask;
      m.hi_[i] = a[i] | static_cast<uint8_t>(~mask);
    }
    return m;
  }
  if (const size_t dash = pattern.find('-'); dash != std::string_view::npos) {
    bool v4b;
    if (!ParseAddr(pattern.substr(0, dash), m.lo_, &v4) ||
        !ParseAddr(pattern.substr(dash + 1), m.hi_, &v4b) || v4 != v4b ||
        std::memcmp(m.lo_, m.hi_, 16) > 0) {
      return bad;
    }
    m.v4_ = v4;
    return m;
  }
  return bad;
}

bool IpMatcher::Contains(const uint8_t a[16], bool v4) const {
  if (v4 != v4_) return false;
  return std::memcmp(lo_, a, 16) <= 0 && std::memcmp(a, hi_, 16) <= 0;
}

bool IpMatcher::MatchesIn(std::string_view line) const {
  const size_t n = line.size();
  for (size_t i = 0; i < n; ++i) {
    bool v6 = false;
    if (i + 3 < n && IpV4Hint(line.data() + i)) {
      v6 = false;
    } else if (i + 4 < n && IpV6Hint(line.data() + i)) {
      v6 = true;
    } else {
      continue;
    }
    const size_t len = Span(line.substr(i), v6);
    uint8_t a[16];
    bool v4;
    if (ParseAddr(line.substr(i, len), a, &v4) && Contains(a, v4)) return true;
    i += len;
  }
  return false;
}

// ---- line filters -------------------------------------------------------------------------

LineMatcher::~LineMatcher() = default;

Result<std::shared_ptr<const LineMatcher>> LineMatcher::Create(const LineFilter& f) {
  auto m = std::make_shared<LineMatcher>();
  m->type_ = f.type;
  for (const LineFilterTerm& t : f.terms) {
    Term term;
    term.text = t.match;
    if (t.ip) {
      if (f.type != LineMatchType::kContains && f.type != LineMatchType::kNotContains) {
        return Status::InvalidArgument("ip: invalid operation");
      }
      LOUPE_ASSIGN_OR_RETURN(IpMatcher ip, IpMatcher::Create(t.match));
      term.ip = std::make_shared<IpMatcher>(ip);
    } else if (f.type == LineMatchType::kRegexp || f.type == LineMatchType::kNotRegexp) {
      const std::string err = gocompat::RegexpError(t.match);
      if (!err.empty()) return Status::InvalidArgument(err);
      RE2::Options opts;
      opts.set_log_errors(false);
      auto re = std::make_shared<re2::RE2>(t.match, opts);
      if (!re->ok()) return Status::InvalidArgument("error parsing regexp: " + re->error());
      term.re = re;
    } else if (f.type == LineMatchType::kPattern || f.type == LineMatchType::kNotPattern) {
      LOUPE_ASSIGN_OR_RETURN(PatternMatcher p, PatternMatcher::ForLineFilter(t.match));
      term.pattern = std::make_shared<PatternMatcher>(std::move(p));
    }
    m->terms_.push_back(std::move(term));
  }
  return std::shared_ptr<const LineMatcher>(m);
}

bool LineMatcher::IsSimpleContains() const {
  return (type_ == LineMatchType::kContains || type_ == LineMatchType::kNotContains) &&
         terms_.size() == 1 && !terms_[0].ip;
}

bool LineMatcher::AnyMatches(std::string_view line) const {
  for (const Term& t : terms_) {
    bool hit;
    if (t.ip) {
      hit = t.ip->MatchesIn(line);
    } else if (t.re) {
      hit = RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *t.re);
    } else if (t.pattern) {
      hit = t.pattern->Test(line);
    } else {
      hit = t.text.empty() ||
            (line.size() >= t.text.size() &&
             memmem(line.data(), line.size(), t.text.data(), t.text.size()) != nullptr);
    }
    if (hit) return true;
  }
  return false;
}

bool LineMatcher::Matches(std::string_view line) const {
  return IsPositive(type_) ? AnyMatches(line) : !AnyMatches(line);
}

// ---- label filters ------------------------------------------------------------------------

struct LabelFilterStage::Node {
  LabelFilter::Kind kind;
  std::string name;
  std::optional<Matcher> matcher;
  CompareOp op = CompareOp::kEq;
  double number = 0;
  int64_t duration = 0;
  uint64_t bytes = 0;
  std::shared_ptr<const IpMatcher> ip;
  std::unique_ptr<Node> left, right;

  template <typename T>
  static bool Cmp(CompareOp op, T a, T b) {
    switch (op) {
      case CompareOp::kEq: return a == b;
      case CompareOp::kNe: return a != b;
      case CompareOp::kGt: return a > b;
      case CompareOp::kGe: return a >= b;
      case CompareOp::kLt: return a < b;
      case CompareOp::kLe: return a <= b;
    }
    return false;
  }

  bool Eval(LabelsBuilder* lbs) const {
    switch (kind) {
      case LabelFilter::Kind::kAnd: {
        const bool l = left->Eval(lbs);
        const bool r = right->Eval(lbs);
        return l && r;
      }
      case LabelFilter::Kind::kOr:
        if (left->Eval(lbs)) return true;
        return right->Eval(lbs);
      case LabelFilter::Kind::kMatcher: {
        if (name == kErrorLabel) return matcher->Matches(lbs->err());
        if (name == kErrorDetailsLabel) return matcher->Matches(lbs->err_details());
        auto v = lbs->Get(name);
        return matcher->Matches(v ? *v : std::string_view());
      }
      default:
        break;
    }
    if (lbs->HasErr()) return true;
    auto v = lbs->Get(name);
    if (!v) return false;
    switch (kind) {
      case LabelFilter::Kind::kNumber: {
        std::string err;
        auto f = gocompat::ParseFloat(*v, &err);
        if (!f) {
          lbs->SetErr(kErrLabelFilter);
          lbs->SetErrDetails(err);
          return true;
        }
        return Cmp(op, *f, number);
      }
      case LabelFilter::Kind::kDuration: {
        auto d = gocompat::ParseGoDuration(*v);
        if (!d) {
          lbs->SetErr(kErrLabelFilter);
          lbs->SetErrDetails("time: invalid duration " + query::GoQuote(*v));
          return true;
        }
        return Cmp(op, *d, duration);
      }
      case LabelFilter::Kind::kBytes: {
        auto b = gocompat::HumanizeParseBytes(*v);
        if (!b) {
          lbs->SetErr(kErrLabelFilter);
          lbs->SetErrDetails("strconv.ParseFloat: parsing " + query::GoQuote(*v) +
                             ": invalid syntax");
          return true;
        }
        return Cmp(op, *b, bytes);
      }
      case LabelFilter::Kind::kIp: {
        const bool hit = ip->MatchesIn(*v);
        return op == CompareOp::kNe ? !hit : hit;
      }
      default:
        return false;
    }
  }

  void Required(std::vector<std::string>* out) const {
    if (left) left->Required(out);
    if (right) right->Required(out);
    if (!name.empty()) out->push_back(name);
  }
};

namespace {
Result<std::unique_ptr<LabelFilterStage::Node>> Compile(const LabelFilter& f) {
  auto n = std::make_unique<LabelFilterStage::Node>();
  n->kind = f.kind;
  n->name = f.name;
  n->matcher = f.matcher;
  n->op = f.op;
  n->number = f.number;
  n->duration = f.duration_nanos;
  n->bytes = f.bytes;
  if (f.kind == LabelFilter::Kind::kIp) {
    LOUPE_ASSIGN_OR_RETURN(IpMatcher ip, IpMatcher::Create(f.ip_pattern));
    n->ip = std::make_shared<IpMatcher>(ip);
  }
  if (f.left) {
    LOUPE_ASSIGN_OR_RETURN(n->left, Compile(*f.left));
  }
  if (f.right) {
    LOUPE_ASSIGN_OR_RETURN(n->right, Compile(*f.right));
  }
  return n;
}
}  // namespace

Result<std::unique_ptr<LabelFilterStage>> LabelFilterStage::Create(const LabelFilter& filter) {
  auto s = std::unique_ptr<LabelFilterStage>(new LabelFilterStage());
  LOUPE_ASSIGN_OR_RETURN(s->root_, Compile(filter));
  return s;
}

LabelFilterStage::~LabelFilterStage() = default;

bool LabelFilterStage::Process(int64_t, std::string_view*, LabelsBuilder* lbs) {
  return root_->Eval(lbs);
}

void LabelFilterStage::RequiredLabels(std::vector<std::string>* out) const {
  root_->Required(out);
}

}  // namespace loupe::query::logql

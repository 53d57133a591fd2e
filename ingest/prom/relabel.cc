#include "ingest/prom/relabel.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace loupe::ingest::prom {

using storage::model::Labels;
using storage::model::LabelsBuilder;

namespace {

bool IsValidLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsWordChar(char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); }

// Prometheus's check of a templated target_label: letters/underscores or $name/${name}
// references, then word characters.
bool IsValidTemplatedTarget(std::string_view t) {
  static const re2::RE2 kRe(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return re2::RE2::FullMatch(t, kRe);
}

std::optional<RelabelAction> ParseAction(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::pair<std::string_view, RelabelAction> kActions[] = {
      {"replace", RelabelAction::kReplace},     {"keep", RelabelAction::kKeep},
      {"drop", RelabelAction::kDrop},           {"keepequal", RelabelAction::kKeepEqual},
      {"dropequal", RelabelAction::kDropEqual}, {"hashmod", RelabelAction::kHashMod},
      {"labelmap", RelabelAction::kLabelMap},   {"labeldrop", RelabelAction::kLabelDrop},
      {"labelkeep", RelabelAction::kLabelKeep}, {"lowercase", RelabelAction::kLowercase},
      {"uppercase", RelabelAction::kUppercase},
  };
  for (const auto& [name, a] : kActions) {
    if (name == s) return a;
  }
  return std::nullopt;
}

// Go's Regexp.Expand: $1, ${1}, $name, ${name}; $$ is a literal $; a malformed reference is
// kept as text; a group that does not exist or did not take part expands to nothing.
std::string Expand(std::string_view tmpl, const re2::RE2& re, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(tmpl.substr(i));
      break;
    }
    out.append(tmpl.substr(i, dollar - i));
    std::string_view rest = tmpl.substr(dollar + 1);
    if (!rest.empty() && rest[0] == '$') {
      out.push_back('$');
      i = dollar + 2;
      continue;
    }
    std::string_view name;
    size_t consumed = 0;
    if (!rest.empty() && rest[0] == '{') {
      const size_t close = rest.find('}');
      size_t k = 1;
      while (k < rest.size() && IsWordChar(rest[k])) ++k;
      if (close != std::string_view::npos && close == k && k > 1) {
        name = rest.substr(1, k - 1);
        consumed = k + 1;
      }
    } else {
      size_t k = 0;
      while (k < rest.size() && IsWordChar(rest[k])) ++k;
      if (k > 0) {
        name = rest.substr(0, k);
        consumed = k;
      }
    }
    if (consumed == 0) {  // malformed: the $ is text
      out.push_back('$');
      i = dollar + 1;
      continue;
    }
    i = dollar + 1 + consumed;
    // A number (no leading zero, below 1e8) names a group by index, anything else by name.
    int64_t num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num >= 0) {
      if (static_cast<size_t>(num) < groups.size()) out.append(groups[static_cast<size_t>(num)].data(), groups[static_cast<size_t>(num)].size());
      continue;
    }
    const auto& named = re.NamedCapturingGroups();
    auto it = named.find(std::string(name));
    if (it != named.end() && static_cast<size_t>(it->second) < groups.size()) out.append(groups[static_cast<size_t>(it->second)].data(), groups[static_cast<size_t>(it->second)].size());
  }
  return out;
}

// Full match of `text`; fills `groups` (0 = whole match) when it matches.
bool MatchGroups(const re2::RE2& re, std::string_view text, std::vector<re2::StringPiece>* groups) {
  const int n = re.NumberOfCapturingGroups() + 1;
  groups->assign(static_cast<size_t>(n), re2::StringPiece());
  return re.Match(text, 0, text.size(), re2::RE2::ANCHOR_BOTH, groups->data(), n);
}

// Low 64 bits (big-endian) of the MD5 of `s`, as Prometheus's hashmod computes it.
uint64_t Md5Sum64(std::string_view s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), digest, &len, EVP_md5(), nullptr);
  uint64_t v = 0;
  for (unsigned int i = 8; i < 16 && i < len; ++i) v = (v << 8) | digest[i];
  return v;
}

}  // namespace

Result<RelabelConfig> RelabelConfig::Make(const RelabelSpec& spec) {
  RelabelConfig c;
  if (spec.action.empty()) return Status::InvalidArgument("relabel action cannot be empty");
  const auto action = ParseAction(spec.action);
  if (!action) return Status::InvalidArgument("unknown relabel action \"" + spec.action + "\"");
  c.action_ = *action;
  const std::string& name = spec.action;
  const std::string target = spec.target_label.value_or("");
  const bool needs_target = c.action_ == RelabelAction::kReplace || c.action_ == RelabelAction::kHashMod ||
                            c.action_ == RelabelAction::kLowercase || c.action_ == RelabelAction::kUppercase ||
                            c.action_ == RelabelAction::kKeepEqual || c.action_ == RelabelAction::kDropEqual;
  if (c.action_ == RelabelAction::kHashMod && spec.modulus == 0) {
    return Status::InvalidArgument("relabel configuration for hashmod requires non-zero modulus");
  }
  if (needs_target && target.empty()) {
    return Status::InvalidArgument("relabel configuration for " + name + " action requires 'target_label' value");
  }
  if (c.action_ == RelabelAction::kReplace &&
      (target.find('$') == std::string::npos ? !IsValidLabelName(target) : !IsValidTemplatedTarget(target))) {
    return Status::InvalidArgument("\"" + target + "\" is invalid 'target_label' for " + name + " action");
  }
  if ((c.action_ == RelabelAction::kLowercase || c.action_ == RelabelAction::kUppercase ||
       c.action_ == RelabelAction::kKeepEqual || c.action_ == RelabelAction::kDropEqual) &&
      !IsValidLabelName(target)) {
    return Status::InvalidArgument("\"" + target + "\" is invalid 'target_label' for " + name + " action");
  }
  const RelabelSpec defaults;
  if ((c.action_ == RelabelAction::kKeepEqual || c.action_ == RelabelAction::kDropEqual) &&
      (spec.regex != defaults.regex || spec.modulus != 0 || spec.separator != defaults.separator ||
       spec.replacement != defaults.replacement)) {
    return Status::InvalidArgument(name + " action requires only 'source_labels' and `target_label`, and no other fields");
  }
  if ((c.action_ == RelabelAction::kLabelDrop || c.action_ == RelabelAction::kLabelKeep) &&
      (!spec.source_labels.empty() || spec.target_label.has_value() || spec.modulus != 0 ||
       spec.separator != defaults.separator || spec.replacement != defaults.replacement)) {
    return Status::InvalidArgument(name + " action requires only 'regex', and no other fields");
  }
  re2::RE2::Options o;
  o.set_log_errors(false);
  // Anchored at both ends, and `.` matches newlines, as Prometheus 3 compiles it.
  auto re = std::make_shared<re2::RE2>("^(?s:" + spec.regex + ")$", o);
  if (!re->ok()) return Status::InvalidArgument("error parsing regexp: " + re->error());
  c.regex_ = std::move(re);
  c.source_labels_ = spec.source_labels;
  c.separator_ = spec.separator;
  c.target_label_ = target;
  c.modulus_ = spec.modulus;
  c.replacement_ = spec.replacement;
  return c;
}

std::optional<Labels> Relabel(const Labels& labels, const std::vector<RelabelConfig>& rules) {
  if (rules.empty()) return labels;
  LabelsBuilder b(labels);
  std::vector<re2::StringPiece> groups;
  std::string val;
  for (const RelabelConfig& r : rules) {
    val.clear();
    for (size_t i = 0; i < r.source_labels_.size(); ++i) {
      if (i > 0) val += r.separator_;
      val += b.Get(r.source_labels_[i]);
    }
    const re2::RE2& re = *r.regex_;
    switch (r.action_) {
      case RelabelAction::kDrop:
        if (re2::RE2::FullMatch(val, re)) return std::nullopt;
        break;
      case RelabelAction::kKeep:
        if (!re2::RE2::FullMatch(val, re)) return std::nullopt;
        break;
      case RelabelAction::kDropEqual:
        if (b.Get(r.target_label_) == val) return std::nullopt;
        break;
      case RelabelAction::kKeepEqual:
        if (b.Get(r.target_label_) != val) return std::nullopt;
        break;
      case RelabelAction::kReplace: {
        if (!MatchGroups(re, val, &groups)) break;
        const std::string target = Expand(r.target_label_, re, groups);
        if (!IsValidLabelName(target)) break;
        const std::string res = Expand(r.replacement_, re, groups);
        if (res.empty()) {
          b.Del(target);
        } else {
          b.Set(target, res);
        }
        break;
      }
      case RelabelAction::kLowercase:
      case RelabelAction::kUppercase: {
        std::string v = val;
        const bool lower = r.action_ == RelabelAction::kLowercase;
        for (char& ch : v) ch = static_cast<char>(lower ? std::tolower(static_cast<unsigned char>(ch)) : std::toupper(static_cast<unsigned char>(ch)));
        if (v.empty()) {
          b.Del(r.target_label_);
        } else {
          b.Set(r.target_label_, v);
        }
        break;
      }
      case RelabelAction::kHashMod:
        b.Set(r.target_label_, std::to_string(Md5Sum64(val) % r.modulus_));
        break;
      case RelabelAction::kLabelMap: {
        const Labels now = b.Build();
        for (const auto& l : now) {
          if (!MatchGroups(re, l.name, &groups)) continue;
          const std::string name = Expand(r.replacement_, re, groups);
          if (name.empty()) continue;
          b.Set(name, l.value);
        }
        break;
      }
      case RelabelAction::kLabelDrop:
      case RelabelAction::kLabelKeep: {
        const Labels now = b.Build();
        const bool keep = r.action_ == RelabelAction::kLabelKeep;
        for (const auto& l : now) {
          if (re2::RE2::FullMatch(l.name, re) != keep) b.Del(l.name);
        }
        break;
      }
    }
  }
  // Labels with empty values do not exist.
  const Labels out = b.Build();
  LabelsBuilder clean(out);
  for (const auto& l : out) {
    if (l.value.empty()) clean.Del(l.name);
  }
  return clean.Build();
}

}  // namespace loupe::ingest::prom

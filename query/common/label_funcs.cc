#include "query/common/label_funcs.h"

#include <re2/re2.h>

#include "query/common/go_format.h"

namespace loupe::query {

using storage::model::Labels;
using storage::model::LabelsBuilder;

namespace {

bool IsNameRune(unsigned char c) {
  // Go uses unicode.IsLetter/IsDigit; multi-byte letters are treated as name characters too.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

// Go's regexp extract(): parses a $name or ${name} reference at the start of `s`.
bool ExtractRef(std::string_view s, std::string_view* name, int* num, size_t* consumed) {
  if (s.empty()) return false;
  bool brace = false;
  size_t i = 0;
  if (s[0] == '{') {
    brace = true;
    i = 1;
  }
  size_t start = i;
  while (i < s.size() && IsNameRune(static_cast<unsigned char>(s[i]))) ++i;
  if (i == start) return false;
  *name = s.substr(start, i - start);
  if (brace) {
    if (i >= s.size() || s[i] != '}') return false;
    ++i;
  }
  *num = 0;
  for (char c : *name) {
    if (c < '0' || c > '9' || *num >= 100000000) {
      *num = -1;
      break;
    }
    *num = *num * 10 + (c - '0');
  }
  if ((*name)[0] == '0' && name->size() > 1) *num = -1;
  *consumed = i;
  return true;
}

}  // namespace

std::string ExpandTemplate(std::string_view tmpl, const std::vector<std::string_view>& groups,
                           const std::vector<std::string>& names) {
  std::string out;
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    std::string_view name;
    int num;
    size_t consumed;
    if (!ExtractRef(tmpl, &name, &num, &consumed)) {
      out += '$';
      continue;
    }
    tmpl.remove_prefix(consumed);
    if (num >= 0) {
      if (static_cast<size_t>(num) < groups.size()) out.append(groups[num]);
    } else {
      for (size_t i = 0; i < names.size(); ++i) {
        if (!names[i].empty() && names[i] == name && i < groups.size()) {
          out.append(groups[i]);
          break;
        }
      }
    }
  }
  out.append(tmpl);
  return out;
}

Result<LabelReplacer> LabelReplacer::Create(std::string dst, std::string replacement,
                                            std::string src, std::string regex) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  auto re = std::make_shared<RE2>("^(?s:" + regex + ")$", opts);
  if (!re->ok()) {
    return Status::InvalidArgument("invalid regular expression in label_replace(): " + regex);
  }
  if (dst.empty() || !IsValidUtf8(dst)) {
    return Status::InvalidArgument("invalid destination label name in label_replace(): " + dst);
  }
  LabelReplacer r;
  r.dst_ = std::move(dst);
  r.replacement_ = std::move(replacement);
  r.src_ = std::move(src);
  r.re_ = std::move(re);
  return r;
}

bool LabelReplacer::Apply(const Labels& in, Labels* out) const {
  const std::string_view value = in.Get(src_);
  const int ngroups = re_->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(ngroups);
  if (!re_->Match(re2::StringPiece(value.data(), value.size()), 0, value.size(), RE2::ANCHOR_BOTH,
                  sub.data(), ngroups)) {
    return false;
  }
  std::vector<std::string_view> groups(ngroups);
  for (int i = 0; i < ngroups; ++i) {
    if (sub[i].data() != nullptr) groups[i] = std::string_view(sub[i].data(), sub[i].size());
  }
  std::vector<std::string> names(ngroups);
  for (const auto& [name, idx] : re_->NamedCapturingGroups()) {
    if (idx < ngroups) names[idx] = name;
  }
  LabelsBuilder b(in);
  b.Set(dst_, ExpandTemplate(replacement_, groups, names));
  *out = b.Build();
  return true;
}

Result<LabelJoiner> LabelJoiner::Create(std::string dst, std::string separator,
                                        std::vector<std::string> srcs) {
  for (const auto& s : srcs) {
    if (s.empty() || !IsValidUtf8(s)) {
      return Status::InvalidArgument("invalid source label name in label_join(): " + s);
    }
  }
  if (dst.empty() || !IsValidUtf8(dst)) {
    return Status::InvalidArgument("invalid destination label name in label_join(): " + dst);
  }
  LabelJoiner j;
  j.dst_ = std::move(dst);
  j.sep_ = std::move(separator);
  j.srcs_ = std::move(srcs);
  return j;
}

Labels LabelJoiner::Apply(const Labels& in) const {
  std::string joined;
  for (size_t i = 0; i < srcs_.size(); ++i) {
    if (i > 0) joined += sep_;
    joined += in.Get(srcs_[i]);
  }
  LabelsBuilder b(in);
  b.Set(dst_, joined);
  return b.Build();
}

}  // namespace loupe::query

#include "query/logql/log/parsers.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "query/logql/log/json_scan.h"
#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql {

namespace {

// True when every required label of the hints has been extracted in this line.
bool AllRequiredExtracted(const ParserHints& h, const LabelsBuilder& lbs) {
  if (h.required.empty()) return false;
  for (const std::string& r : h.required) {
    if (!lbs.Extracted(r)) return false;
  }
  return true;
}

// Value text of a parsed JSON scalar (Loki's readValue).
void ScalarText(std::string_view raw, json::ValueType type, std::string* out) {
  switch (type) {
    case json::ValueType::kString:
      json::StringValue(raw, out);
      break;
    case json::ValueType::kBoolean:
      out->assign(raw == "true" ? "true" : "false");
      break;
    default:
      out->assign(raw);
      break;
  }
}

bool HasRuneErrorOrInvalid(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return true;  // slow path decides
  }
  return false;
}

}  // namespace

// ---- json -----------------------------------------------------------------------------------

std::string_view JsonParser::ParseObject(std::string_view data, LabelsBuilder* lbs) {
  const size_t seen = lbs->ExtractedCount();
  return json::ObjectEach(data, [&](std::string_view key, std::string_view value,
                                    json::ValueType type) -> std::string_view {
    switch (type) {
      case json::ValueType::kString:
      case json::ValueType::kNumber:
      case json::ValueType::kBoolean: {
        key_.clear();
        if (prefix_.empty()) {
          AppendSanitizedLabelName(key, true, &key_);
        } else {
          key_ = prefix_;
          key_.push_back('_');
          AppendSanitizedLabelName(key, false, &key_);
        }
        if (lbs->BaseHas(key_)) key_ += kExtractedSuffix;
        if (!hints_->ShouldExtract(key_) || lbs->Extracted(key_, seen)) return {};
        ScalarText(value, type, &value_);
        lbs->Set(LabelCategory::kParsed, key_, value_);
        if (!hints_->required.empty() && AllRequiredExtracted(*hints_, *lbs)) return json::kStop;
        return {};
      }
      case json::ValueType::kObject: {
        const size_t plen = prefix_.size();
        if (!prefix_.empty()) prefix_.push_back('_');
        AppendSanitizedLabelName(key, prefix_.empty(), &prefix_);
        std::string_view err;
        if (hints_->ShouldExtractPrefix(prefix_)) err = ParseObject(value, lbs);
        prefix_.resize(plen);
        return err;
      }
      default:
        return {};
    }
  });
}

bool JsonParser::Process(int64_t, std::string_view* line, LabelsBuilder* lbs) {
  if (hints_->no_labels) return true;
  prefix_.clear();
  const std::string_view err = ParseObject(*line, lbs);
  if (!err.empty() && err != json::kStop) {
    lbs->SetErr(kErrJson);
    lbs->SetErrDetails(err);
  }
  return true;
}

Result<std::vector<JsonPathElem>> ParseJsonPath(std::string_view expr) {
  std::vector<JsonPathElem> path;
  size_t i = 0;
  auto ws = [&] {
    while (i < expr.size() && (expr[i] == ' ' || expr[i] == '\t' || expr[i] == '\n')) ++i;
  };
  auto is_start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto is_ident = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  auto field = [&] {
    JsonPathElem e;
    while (i < expr.size() && is_ident(expr[i])) e.key.push_back(expr[i++]);
    path.push_back(std::move(e));
  };
  ws();
  if (i >= expr.size()) return Status::InvalidArgument("syntax error: unexpected $end");
  bool first = true;
  while (true) {
    ws();
    if (i >= expr.size()) break;
    const char c = expr[i];
    if (first && is_start(c)) {
      field();
    } else if (!first && c == '.') {
      ++i;
      ws();
      if (i >= expr.size() || !is_start(expr[i])) {
        return Status::InvalidArgument(i >= expr.size() ? "syntax error: unexpected $end"
                                                         : "syntax error: unexpected char");
      }
      field();
    } else if (c == '[') {
      ++i;
      ws();
      if (i < expr.size() && expr[i] == '"') {
        ++i;
        JsonPathElem e;
        while (i < expr.size() && expr[i] != '"' && expr[i] != ']') e.key.push_back(expr[i++]);
        if (i < expr.size() && expr[i] == '"') ++i;
        path.push_back(std::move(e));
      } else if (i < expr.size() && expr[i] >= '0' && expr[i] <= '9') {
        std::string num;
        while (i < expr.size() && expr[i] >= '0' && expr[i] <= '9') num.push_back(expr[i++]);
        if (i < expr.size() && expr[i] == '.') {
          return Status::InvalidArgument("cannot use float as array index");
        }
        JsonPathElem e;
        e.is_index = true;
        auto v = gocompat::Atoi(num);
        if (!v) return Status::InvalidArgument("syntax error: invalid index");
        e.index = static_cast<int>(*v);
        path.push_back(std::move(e));
      } else {
        return Status::InvalidArgument("syntax error: unexpected char");
      }
      ws();
      if (i >= expr.size() || expr[i] != ']') {
        return Status::InvalidArgument(i >= expr.size() ? "syntax error: unexpected $end"
                                                         : "syntax error: unexpected char");
      }
      ++i;
    } else {
      return Status::InvalidArgument(std::string("unexpected char ") + c);
    }
    first = false;
  }
  return path;
}

Result<std::unique_ptr<JsonExpressionParser>> JsonExpressionParser::Create(
    const std::vector<LabelExtractionSpec>& specs) {
  auto p = std::unique_ptr<JsonExpressionParser>(new JsonExpressionParser());
  for (const auto& s : specs) {
    auto path = ParseJsonPath(s.expression);
    if (!path.ok()) {
      return Status::InvalidArgument("cannot parse expression [" + s.expression +
                                     "]: " + path.status().message());
    }
    if (!IsValidLabelName(s.label)) {
      return Status::InvalidArgument("invalid extracted label name '" + s.label + "'");
    }
    p->exprs_.push_back({s.label, std::move(*path)});
  }
  return p;
}

namespace {

// Follows `path` from the root value `data`. Returns 1 when found (*value/*type set), 0 when
// absent, -1 on malformed JSON (*err set).
int LookupPath(std::string_view data, const std::vector<JsonPathElem>& path,
               std::string_view* value, json::ValueType* type, std::string_view* err) {
  std::string_view cur = data;
  const size_t first = json::NextToken(data, 0);
  if (first == std::string_view::npos) return 0;
  json::ValueType ctype = data[first] == '{'   ? json::ValueType::kObject
                          : data[first] == '[' ? json::ValueType::kArray
                                               : json::ValueType::kString;
  for (const JsonPathElem& e : path) {
    bool found = false;
    std::string_view next;
    json::ValueType ntype = json::ValueType::kNotExist;
    std::string_view e2;
    if (!e.is_index) {
      if (ctype != json::ValueType::kObject) return 0;
      e2 = json::ObjectEach(cur, [&](std::string_view k, std::string_view v,
                                     json::ValueType t) -> std::string_view {
        if (k != e.key) return {};
        next = v;
        ntype = t;
        found = true;
        return json::kStop;
      });
    } else {
      if (ctype != json::ValueType::kArray) return 0;
      int idx = 0;
      e2 = json::ArrayEach(cur, [&](std::string_view v, json::ValueType t) -> std::string_view {
        if (idx++ != e.index) return {};
        next = v;
        ntype = t;
        found = true;
        return json::kStop;
      });
    }
    if (!e2.empty() && e2 != json::kStop) {
      *err = e2;
      return -1;
    }
    if (!found) return 0;
    cur = next;
    ctype = ntype;
  }
  *value = cur;
  *type = ctype;
  return 1;
}

}  // namespace

bool JsonExpressionParser::Process(int64_t, std::string_view* line, LabelsBuilder* lbs) {
  const std::string_view l = *line;
  if (l.empty()) return true;
  if (l[0] != '"' && l[0] != '{' && l[0] != '[') {
    lbs->SetErr(kErrJson);
    return true;
  }
  for (const Expr& e : exprs_) {
    std::string_view v;
    json::ValueType t;
    std::string_view err;
    const int r = LookupPath(l, e.path, &v, &t, &err);
    if (r < 0) {
      lbs->SetErr(kErrJson);
      lbs->SetErrDetails(err);
      continue;
    }
    if (r == 0) {
      if (!lbs->Get(e.label)) lbs->Set(LabelCategory::kParsed, e.label, "");
      continue;
    }
    name_ = e.label;
    if (lbs->BaseHas(name_)) name_ += kExtractedSuffix;
    if (t == json::ValueType::kNull) value_.clear();
    else if (t == json::ValueType::kObject || t == json::ValueType::kArray) value_.assign(v);
    else json::StringValue(v, &value_);
    lbs->Set(LabelCategory::kParsed, name_, value_);
  }
  return true;
}

// ---- logfmt ---------------------------------------------------------------------------------

namespace {
void CleanRuneErrors(std::string_view v, std::string* out) {
  out->assign(v);
  if (!HasRuneErrorOrInvalid(v)) return;
  // Reuse the JSON helper's replacement of invalid UTF-8 (no escapes in logfmt values here).
  std::string tmp(v);
  for (char& c : tmp) {
    if (c == '\\') c = '\x01';  // keep StringValue from unescaping
  }
  json::StringValue(tmp, out);
  for (char& c : *out) {
    if (c == '\x01') c = '\\';
  }
}
}  // namespace

bool LogfmtParser::Process(int64_t, std::string_view* line, LabelsBuilder* lbs) {
  if (hints_->no_labels) return true;
  const size_t seen = lbs->ExtractedCount();
  dec_.Reset(*line);
  while (!dec_.Eol()) {
    if (!dec_.ScanKeyval()) {
      if (strict_) break;
      continue;
    }
    key_.clear();
    AppendSanitizedLabelName(dec_.key(), true, &key_);
    if (key_.empty()) continue;
    if (lbs->BaseHas(key_)) key_ += kExtractedSuffix;
    if (!hints_->ShouldExtract(key_) || lbs->Extracted(key_, seen)) continue;
    CleanRuneErrors(dec_.value(), &value_);
    if (!keep_empty_ && value_.empty()) continue;
    lbs->Set(LabelCategory::kParsed, key_, value_);
    if (!hints_->required.empty() && AllRequiredExtracted(*hints_, *lbs)) break;
  }
  if (strict_ && !dec_.err().empty()) {
    lbs->SetErr(kErrLogfmt);
    lbs->SetErrDetails(dec_.err());
  }
  return true;
}

Result<std::unique_ptr<LogfmtExpressionParser>> LogfmtExpressionParser::Create(
    const std::vector<LabelExtractionSpec>& specs, bool strict, bool keep_empty) {
  if (specs.empty()) return Status::InvalidArgument("no logfmt expression provided");
  auto p = std::unique_ptr<LogfmtExpressionParser>(new LogfmtExpressionParser());
  for (const auto& s : specs) {
    if (s.expression.empty()) {
      return Status::InvalidArgument("cannot parse expression [" + s.expression +
                                     "]: syntax error: unexpected $end");
    }
    if (!IsValidLabelName(s.label)) {
      return Status::InvalidArgument("invalid extracted label name '" + s.label + "'");
    }
  }
  p->specs_ = specs;
  p->strict_ = strict;
  p->keep_empty_ = keep_empty;
  return p;
}

bool LogfmtExpressionParser::Process(int64_t, std::string_view* line, LabelsBuilder* lbs) {
  for (const auto& s : specs_) {
    if (!lbs->BaseHas(s.label)) lbs->Set(LabelCategory::kParsed, s.label, "");
  }
  dec_.Reset(*line);
  std::string value;
  while (!dec_.Eol()) {
    if (!dec_.ScanKeyval()) {
      if (strict_) break;
      continue;
    }
    key_.clear();
    AppendSanitizedLabelName(dec_.key(), true, &key_);
    if (key_.empty()) continue;
    for (const auto& s : specs_) {
      if (s.expression != key_) continue;
      name_ = s.label;
      if (lbs->BaseHas(name_)) name_ += kExtractedSuffix;
      CleanRuneErrors(dec_.value(), &value);
      if (!keep_empty_ && value.empty()) continue;
      lbs->Set(LabelCategory::kParsed, name_, value);
    }
  }
  if (strict_ && !dec_.err().empty()) {
    lbs->SetErr(kErrLogfmt);
    lbs->SetErrDetails(dec_.err());
  }
  return true;
}

// ---- regexp ---------------------------------------------------------------------------------

struct RegexpParser::Scratch {
  std::vector<re2::StringPiece> groups;
};

RegexpParser::~RegexpParser() = default;

Result<std::unique_ptr<RegexpParser>> RegexpParser::Create(std::string_view re,
                                                           const ParserHints* hints) {
  const std::string err = gocompat::RegexpError(re);
  if (!err.empty()) return Status::InvalidArgument(err);
  auto p = std::unique_ptr<RegexpParser>(new RegexpParser());
  RE2::Options opts;
  opts.set_log_errors(false);
  p->re_ = std::make_unique<re2::RE2>(re2::StringPiece(re.data(), re.size()), opts);
  if (!p->re_->ok()) return Status::InvalidArgument("error parsing regexp: " + p->re_->error());
  const int n = p->re_->NumberOfCapturingGroups();
  if (n == 0) return Status::InvalidArgument("at least one named capture must be supplied");
  p->names_.assign(n, "");
  std::set<std::string> seen;
  bool any = false;
  // Go reports name problems in group order.
  std::vector<std::pair<int, std::string>> ordered;
  for (const auto& [name, idx] : p->re_->NamedCapturingGroups()) ordered.push_back({idx, name});
  std::sort(ordered.begin(), ordered.end());
  for (const auto& [idx, name] : ordered) {
    if (!IsValidLabelName(name)) {
      return Status::InvalidArgument("invalid extracted label name '" + name + "'");
    }
    if (!seen.insert(name).second) {
      return Status::InvalidArgument("duplicate extracted label name '" + name + "'");
    }
    p->names_[idx - 1] = name;
    any = true;
  }
  if (!any) return Status::InvalidArgument("at least one named capture must be supplied");
  p->hints_ = hints;
  p->scratch_ = std::make_unique<Scratch>();
  p->scratch_->groups.resize(n + 1);
  return p;
}

bool RegexpParser::Process(int64_t, std::string_view* line, LabelsBuilder* lbs) {
  std::vector<re2::StringPiece>& sp = scratch_->groups;
  if (!re_->Match(re2::StringPiece(line->data(), line->size()), 0, line->size(), RE2::UNANCHORED,
                  sp.data(), static_cast<int>(sp.size()))) {
    return true;
  }
  const size_t seen = lbs->ExtractedCount();
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].empty()) continue;
    key_.clear();
    AppendSanitizedLabelName(names_[i], true, &key_);
    if (key_.empty()) continue;
    if (lbs->BaseHas(key_)) key_ += kExtractedSuffix;
    if (!hints_->ShouldExtract(key_) || lbs->Extracted(key_, seen)) continue;
    const re2::StringPiece& g = sp[i + 1];
    lbs->Set(LabelCategory::kParsed, key_,
             g.data() ? std::string_view(g.data(), g.size()) : std::string_view());
  }
  return true;
}

// ---- pattern --------------------------------------------------------------------------------

Result<std::unique_ptr<PatternParser>> PatternParser::Create(std::string_view pattern,
                                                             const ParserHints* hints) {
  LOUPE_ASSIGN_OR_RETURN(PatternMatcher m, PatternMatcher::ForParser(pattern));
  for (const std::string& n : m.names()) {
    if (!IsValidLabelName(n)) {
      return Status::InvalidArgument("invalid capture label name '" + n + "'");
    }
  }
  return std::unique_ptr<PatternParser>(new PatternParser(std::move(m), hints));
}

bool PatternParser::Process(int64_t, std::string_view* line, LabelsBuilder* lbs) {
  if (hints_->no_labels) return true;
  matcher_.Matches(*line, &caps_);
  const size_t seen = lbs->ExtractedCount();
  for (size_t i = 0; i < caps_.size(); ++i) {
    key_ = matcher_.names()[i];
    if (lbs->BaseHas(key_)) key_ += kExtractedSuffix;
    if (!hints_->ShouldExtract(key_) || lbs->Extracted(key_, seen)) continue;
    lbs->Set(LabelCategory::kParsed, key_, caps_[i]);
  }
  return true;
}

// ---- unpack ---------------------------------------------------------------------------------

bool UnpackParser::Process(int64_t, std::string_view* line, LabelsBuilder* lbs) {
  const std::string_view l = *line;
  if (l.empty() || hints_->no_labels) return true;
  if (l[0] != '{') {
    lbs->SetErr(kErrJson);
    lbs->SetErrDetails("expecting json object(6), but it is not");
    return true;
  }
  pending_n_ = 0;
  bool packed = false;
  std::string field;
  const std::string_view err = json::ObjectEach(
      l, [&](std::string_view key, std::string_view value, json::ValueType type) -> std::string_view {
        if (type != json::ValueType::kString) return {};
        if (key == "_entry") {
          if (!json::Unescape(value, &entry_)) return json::kMalformedStringEscape;
          packed = true;
          return {};
        }
        field.assign(key);
        if (lbs->BaseHas(field)) field += kExtractedSuffix;
        if (!hints_->ShouldExtract(field)) return {};
        if (pending_n_ == pending_.size()) pending_.emplace_back();
        auto& p = pending_[pending_n_++];
        p.first.clear();
        AppendSanitizedLabelName(field, true, &p.first);
        json::StringValue(value, &p.second);
        return {};
      });
  if (!err.empty()) {
    lbs->SetErr(kErrJson);
    lbs->SetErrDetails(err);
    return true;
  }
  if (packed) {
    for (size_t i = 0; i < pending_n_; ++i) {
      lbs->Set(LabelCategory::kParsed, pending_[i].first, pending_[i].second);
    }
    *line = entry_;
  }
  return true;
}

}  // namespace loupe::query::logql

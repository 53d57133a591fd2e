#include "query/logql/log/format.h"

#include <re2/re2.h>

#include <set>

namespace loupe::query::logql {

// ---- line_format ----------------------------------------------------------------------------

Result<std::unique_ptr<LineFormatStage>> LineFormatStage::Create(std::string_view text) {
  auto t = Template::Parse("line", text);
  if (!t.ok()) return Status::InvalidArgument("invalid line template: " + t.status().message());
  auto s = std::unique_ptr<LineFormatStage>(new LineFormatStage());
  s->tmpl_ = std::move(*t);
  return s;
}

bool LineFormatStage::Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) {
  cur_ ^= 1;
  std::string& out = buf_[cur_];
  out.clear();
  if (!tmpl_->simple_key().empty()) {
    if (tmpl_->simple_key() == kErrorLabel) out = lbs->err();
    else if (tmpl_->simple_key() == kErrorDetailsLabel) out = lbs->err_details();
    else if (auto v = lbs->Get(tmpl_->simple_key())) out.assign(*v);
    *line = out;
    return true;
  }
  lbs->AllLabels(&snapshot_);
  TemplateInput in;
  in.labels = &snapshot_;
  in.line = *line;
  in.ts = ts;
  const Status s = tmpl_->Execute(in, &out);
  if (!s.ok()) {
    lbs->SetErr(kErrTemplateFormat);
    lbs->SetErrDetails(s.message());
    return true;
  }
  *line = out;
  return true;
}

void LineFormatStage::RequiredLabels(std::vector<std::string>* out) const {
  out->insert(out->end(), tmpl_->fields().begin(), tmpl_->fields().end());
}

// ---- label_format ---------------------------------------------------------------------------

Result<std::unique_ptr<LabelFormatStage>> LabelFormatStage::Create(
    const std::vector<LabelFormat>& fmts) {
  std::set<std::string> seen;
  for (const LabelFormat& f : fmts) {
    if (f.dst == kErrorLabel) return Status::InvalidArgument(f.dst + " cannot be formatted");
    if (!seen.insert(f.dst).second) {
      return Status::InvalidArgument("multiple label name '" + f.dst +
                                     "' not allowed in a single format operation");
    }
  }
  auto s = std::unique_ptr<LabelFormatStage>(new LabelFormatStage());
  for (const LabelFormat& f : fmts) {
    Fmt fm;
    fm.dst = f.dst;
    if (f.rename) {
      fm.src = f.value;
    } else {
      auto t = Template::Parse("label", f.value);
      if (!t.ok()) {
        return Status::InvalidArgument("invalid template for label '" + f.dst +
                                       "': " + t.status().message());
      }
      fm.tmpl = std::move(*t);
    }
    s->fmts_.push_back(std::move(fm));
  }
  return s;
}

bool LabelFormatStage::Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) {
  bool have_snapshot = false;
  for (const Fmt& f : fmts_) {
    if (!f.tmpl) {
      LabelCategory cat;
      if (auto v = lbs->GetWithCategory(f.src, &cat)) {
        value_.assign(*v);
        lbs->Set(LabelCategory::kParsed, f.dst, value_);
        lbs->Del(f.src);
      }
      continue;
    }
    if (!have_snapshot) {
      lbs->AllLabels(&snapshot_);
      have_snapshot = !snapshot_.empty();
    }
    buf_.clear();
    TemplateInput in;
    in.labels = &snapshot_;
    in.line = *line;
    in.ts = ts;
    const Status s = f.tmpl->Execute(in, &buf_);
    if (!s.ok()) {
      lbs->SetErr(kErrTemplateFormat);
      lbs->SetErrDetails(s.message());
      continue;
    }
    lbs->Set(LabelCategory::kParsed, f.dst, buf_);
  }
  return true;
}

void LabelFormatStage::RequiredLabels(std::vector<std::string>* out) const {
  for (const Fmt& f : fmts_) {
    if (!f.tmpl) out->push_back(f.src);
    else out->insert(out->end(), f.tmpl->fields().begin(), f.tmpl->fields().end());
  }
}

// ---- drop / keep ----------------------------------------------------------------------------

bool DropStage::Process(int64_t, std::string_view*, LabelsBuilder* lbs) {
  for (const NamedMatcher& n : named_) {
    if (n.matcher) {
      const Matcher& m = *n.matcher;
      if (m.name() == kErrorLabel) {
        if (m.Matches(lbs->err())) lbs->ResetErr();
        continue;
      }
      if (m.name() == kErrorDetailsLabel) {
        if (m.Matches(lbs->err_details())) lbs->ResetErrDetails();
        continue;
      }
      auto v = lbs->Get(m.name());
      if (m.Matches(v ? *v : std::string_view())) lbs->Del(m.name());
      continue;
    }
    if (n.name == kErrorLabel) {
      lbs->ResetErr();
    } else if (n.name == kErrorDetailsLabel) {
      lbs->ResetErrDetails();
    } else if (lbs->Get(n.name)) {
      lbs->Del(n.name);
    }
  }
  return true;
}

bool KeepStage::Process(int64_t, std::string_view*, LabelsBuilder* lbs) {
  if (named_.empty()) return true;
  all_.clear();
  lbs->ForEach([&](std::string_view n, std::string_view v) {
    all_.push_back(Label{std::string(n), std::string(v)});
  });
  for (const Label& l : all_) {
    if (l.name == kErrorLabel || l.name == kErrorDetailsLabel || l.name == kPreserveErrorLabel) {
      continue;
    }
    bool keep = false;
    for (const NamedMatcher& n : named_) {
      if (n.matcher && n.matcher->name() == l.name && n.matcher->Matches(l.value)) {
        keep = true;
        break;
      }
      if (!n.matcher && n.name == l.name) {
        keep = true;
        break;
      }
    }
    if (!keep) lbs->Del(l.name);
  }
  return true;
}

void KeepStage::RequiredLabels(std::vector<std::string>* out) const {
  for (const NamedMatcher& n : named_) out->push_back(n.matcher ? n.matcher->name() : n.name);
}

// ---- decolorize -----------------------------------------------------------------------------

DecolorizeStage::DecolorizeStage() {
  // The stripansi pattern Loki uses (github.com/acarl005/stripansi).
  static const std::shared_ptr<const re2::RE2> kAnsi = std::make_shared<const re2::RE2>(
      "[\\x{1B}\\x{9B}][[\\]()#;?]*(?:(?:(?:[a-zA-Z\\d]*(?:;[a-zA-Z\\d]*)*)?\\x{07})|"
      "(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PRZcf-ntqry=><~]))");
  re_ = kAnsi;
}

DecolorizeStage::~DecolorizeStage() = default;

bool DecolorizeStage::Process(int64_t, std::string_view* line, LabelsBuilder*) {
  const std::string_view l = *line;
  if (l.find('\x1b') == std::string_view::npos && l.find("\xc2\x9b") == std::string_view::npos) {
    return true;
  }
  cur_ ^= 1;
  std::string& out = buf_[cur_];
  out.assign(l);
  RE2::GlobalReplace(&out, *re_, "");
  *line = out;
  return true;
}

}  // namespace loupe::query::logql

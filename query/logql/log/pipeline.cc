#include "query/logql/log/pipeline.h"

#include <algorithm>

#include "query/common/go_format.h"
#include "query/logql/log/format.h"
#include "query/logql/log/parsers.h"
#include "query/logql/syntax/go_compat.h"
#include "query/logql/syntax/printer.h"

namespace loupe::query::logql {

namespace {

std::vector<LabelExtractionSpec> Specs(const std::vector<LabelExtraction>& ex) {
  std::vector<LabelExtractionSpec> out;
  for (const auto& e : ex) out.push_back({e.label, e.expression});
  return out;
}

// Loki's reorderStages: line filters move to the front of their segment; label filters,
// line_format and unpack end a segment.
std::vector<const Stage*> Reorder(const std::vector<Stage>& stages) {
  std::vector<const Stage*> result, filters, rest;
  auto combine = [&] {
    result.insert(result.end(), filters.begin(), filters.end());
    result.insert(result.end(), rest.begin(), rest.end());
    filters.clear();
    rest.clear();
  };
  for (const Stage& s : stages) {
    switch (s.kind) {
      case StageKind::kLabelFilter:
        combine();
        result.push_back(&s);
        break;
      case StageKind::kLineFilter:
        filters.push_back(&s);
        break;
      case StageKind::kLineFormat:
      case StageKind::kUnpack:
        rest.push_back(&s);
        combine();
        break;
      default:
        rest.push_back(&s);
        break;
    }
  }
  combine();
  return result;
}

void AddHint(std::vector<std::string>* dst, const std::string& l) {
  dst->push_back(l);
  if (l.size() > kExtractedSuffix.size() &&
      std::string_view(l).substr(l.size() - kExtractedSuffix.size()) == kExtractedSuffix) {
    dst->push_back(l.substr(0, l.size() - kExtractedSuffix.size()));
  }
}

// Go's time.ParseDuration error text.
std::string GoDurationError(std::string_view s) {
  const std::string q = query::GoQuote(s);
  std::string_view t = s;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  size_t i = 0;
  while (i < t.size() && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.')) ++i;
  if (i == 0 || t.empty()) return "time: invalid duration " + q;
  if (i == t.size()) return "time: missing unit in duration " + q;
  size_t j = i;
  while (j < t.size() && !((t[j] >= '0' && t[j] <= '9') || t[j] == '.')) ++j;
  const std::string_view unit = t.substr(i, j - i);
  static const char* kUnits[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
  for (const char* u : kUnits) {
    if (unit == u) return "time: invalid duration " + q;
  }
  return "time: unknown unit " + query::GoQuote(unit) + " in duration " + q;
}

// go-humanize ParseBytes error text.
std::string BytesError(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == ',')) ++i;
  std::string num(s.substr(0, i));
  num.erase(std::remove(num.begin(), num.end(), ','), num.end());
  std::string err;
  if (!gocompat::ParseFloat(num, &err)) return err;
  std::string unit(s.substr(i));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "unhandled size name: " + unit;
}

}  // namespace

Result<std::unique_ptr<PipelineStage>> BuildStage(const Stage& st, const ParserHints* hints) {
  switch (st.kind) {
    case StageKind::kLineFilter: {
      std::vector<std::shared_ptr<const LineMatcher>> ms;
      for (const LineFilter& f : st.line_filters) {
        LOUPE_ASSIGN_OR_RETURN(auto m, LineMatcher::Create(f));
        ms.push_back(std::move(m));
      }
      return std::unique_ptr<PipelineStage>(new LineFilterStage(std::move(ms)));
    }
    case StageKind::kLogfmt:
      if (st.extractions.empty()) {
        return std::unique_ptr<PipelineStage>(new LogfmtParser(st.strict, st.keep_empty, hints));
      } else {
        LOUPE_ASSIGN_OR_RETURN(auto p, LogfmtExpressionParser::Create(Specs(st.extractions),
                                                                      st.strict, st.keep_empty));
        return std::unique_ptr<PipelineStage>(std::move(p));
      }
    case StageKind::kJson:
      if (st.extractions.empty()) {
        return std::unique_ptr<PipelineStage>(new JsonParser(hints));
      } else {
        LOUPE_ASSIGN_OR_RETURN(auto p, JsonExpressionParser::Create(Specs(st.extractions)));
        return std::unique_ptr<PipelineStage>(std::move(p));
      }
    case StageKind::kUnpack:
      return std::unique_ptr<PipelineStage>(new UnpackParser(hints));
    case StageKind::kRegexp: {
      LOUPE_ASSIGN_OR_RETURN(auto p, RegexpParser::Create(st.param, hints));
      return std::unique_ptr<PipelineStage>(std::move(p));
    }
    case StageKind::kPattern: {
      LOUPE_ASSIGN_OR_RETURN(auto p, PatternParser::Create(st.param, hints));
      return std::unique_ptr<PipelineStage>(std::move(p));
    }
    case StageKind::kLabelFilter: {
      LOUPE_ASSIGN_OR_RETURN(auto p, LabelFilterStage::Create(*st.label_filter));
      return std::unique_ptr<PipelineStage>(std::move(p));
    }
    case StageKind::kLineFormat: {
      LOUPE_ASSIGN_OR_RETURN(auto p, LineFormatStage::Create(st.param));
      return std::unique_ptr<PipelineStage>(std::move(p));
    }
    case StageKind::kLabelFormat: {
      LOUPE_ASSIGN_OR_RETURN(auto p, LabelFormatStage::Create(st.label_formats));
      return std::unique_ptr<PipelineStage>(std::move(p));
    }
    case StageKind::kDecolorize:
      return std::unique_ptr<PipelineStage>(new DecolorizeStage());
    case StageKind::kDrop:
      return std::unique_ptr<PipelineStage>(new DropStage(st.named));
    case StageKind::kKeep:
      return std::unique_ptr<PipelineStage>(new KeepStage(st.named));
  }
  return Status::Internal("unknown stage");
}

Result<std::unique_ptr<Pipeline>> Pipeline::Create(
    const LogSelector& selector, const HintRequest& req,
    std::vector<std::shared_ptr<const LineMatcher>>* pushdown) {
  auto p = std::unique_ptr<Pipeline>(new Pipeline());
  p->hints_ = std::make_unique<ParserHints>();
  const std::vector<const Stage*> order = Reorder(selector.stages);
  size_t i = 0;
  if (pushdown) {
    for (; i < order.size() && order[i]->kind == StageKind::kLineFilter; ++i) {
      for (const LineFilter& f : order[i]->line_filters) {
        auto m = LineMatcher::Create(f);
        if (!m.ok()) {
          return Status::InvalidArgument("parse error : stage '" + Print(*order[i]) +
                                         "' : " + m.status().message());
        }
        pushdown->push_back(std::move(*m));
      }
    }
  }
  for (; i < order.size(); ++i) {
    auto s = BuildStage(*order[i], p->hints_.get());
    if (!s.ok()) {
      return Status::InvalidArgument("parse error : stage '" + Print(*order[i]) +
                                     "' : " + s.status().message());
    }
    p->stages_.push_back(std::move(*s));
  }
  // Parser hints (Loki's NewParserHint).
  if (!req.extract_all) {
    std::vector<std::string> required;
    std::vector<std::string> names;
    for (const auto& s : p->stages_) s->RequiredLabels(&names);
    // Pushed-down line filters need no labels.
    names.insert(names.end(), req.extra.begin(), req.extra.end());
    for (const auto& n : names) AddHint(&required, n);
    for (const auto& g : req.groups) AddHint(&required, g);
    std::sort(required.begin(), required.end());
    required.erase(std::unique(required.begin(), required.end()), required.end());
    required.erase(std::remove(required.begin(), required.end(), std::string()), required.end());
    if (req.no_labels) {
      if (!required.empty()) p->hints_->required = std::move(required);
      else p->hints_->no_labels = true;
    } else if (!req.without && !req.groups.empty()) {
      p->hints_->required = std::move(required);
    }
  }
  return p;
}

Result<std::unique_ptr<SampleExtractor>> SampleExtractor::Create(
    const LogRange& range, SampleKind kind, const Grouping* grouping,
    std::vector<std::shared_ptr<const LineMatcher>>* pushdown) {
  auto e = std::unique_ptr<SampleExtractor>(new SampleExtractor());
  e->kind_ = kind;
  HintRequest req;
  req.extract_all = false;
  std::vector<std::string> groups;
  bool without = false;
  if (grouping) {
    groups = grouping->labels;
    without = grouping->without;
    if (groups.empty() && !without) e->no_labels_ = true;
  }
  if (kind == SampleKind::kUnwrap) {
    e->unwrap_label_ = range.unwrap->label;
    e->conversion_ = range.unwrap->conversion;
    req.extra.push_back(e->unwrap_label_);
    for (const auto& f : range.unwrap->post_filters) {
      auto s = LabelFilterStage::Create(*f);
      if (!s.ok()) {
        return Status::InvalidArgument("parse error : stage '| " + Print(*f) +
                                       "' : " + s.status().message());
      }
      (*s)->RequiredLabels(&req.extra);
      e->post_.push_back(std::move(*s));
    }
    if (groups.empty() || without) {
      without = true;
      groups.push_back(e->unwrap_label_);
    }
  }
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  req.groups = groups;
  req.without = without;
  req.no_labels = e->no_labels_;
  e->groups_ = groups;
  e->without_ = without;
  e->no_grouping_ = groups.empty();
  LOUPE_ASSIGN_OR_RETURN(e->pipeline_, Pipeline::Create(range.selector, req, pushdown));
  return e;
}

bool SampleExtractor::Process(int64_t ts, std::string_view line, double* value,
                              std::vector<Label>* labels) {
  std::string_view l = line;
  if (!pipeline_->Process(ts, &l, &lbs_)) return false;
  switch (kind_) {
    case SampleKind::kCount:
      *value = 1;
      break;
    case SampleKind::kBytes:
      *value = static_cast<double>(l.size());
      break;
    case SampleKind::kUnwrap: {
      auto sv = lbs_.Get(unwrap_label_);
      if (!sv || sv->empty()) return false;
      value_buf_.assign(*sv);
      double v = 0;
      std::string err;
      switch (conversion_) {
        case UnwrapConversion::kNone: {
          auto f = gocompat::ParseFloat(value_buf_, &err);
          if (f) v = *f;
          break;
        }
        case UnwrapConversion::kBytes: {
          auto b = gocompat::HumanizeParseBytes(value_buf_);
          if (b) v = static_cast<double>(*b);
          else err = BytesError(value_buf_);
          break;
        }
        case UnwrapConversion::kDuration:
        case UnwrapConversion::kDurationSeconds: {
          auto d = gocompat::ParseGoDuration(value_buf_);
          if (d) v = static_cast<double>(*d) / 1e9;
          else err = GoDurationError(value_buf_);
          break;
        }
      }
      if (!err.empty()) {
        lbs_.SetErr(kErrSampleExtraction);
        lbs_.SetErrDetails(err);
        v = 0;
      }
      *value = v;
      for (const auto& f : post_) {
        if (!f->Process(ts, &l, &lbs_)) return false;
      }
      break;
    }
  }
  if (no_labels_ && !lbs_.HasErr()) {
    labels->clear();
    return true;
  }
  lbs_.GroupedLabels(groups_, without_, no_grouping_, labels);
  return true;
}

}  // namespace loupe::query::logql

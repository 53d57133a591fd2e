// Formatting and projection stages: line_format, label_format, drop, keep, decolorize, with
// Loki's semantics:
//  line_format   the template's output replaces the line; on an execution error the line is
//                kept and __error__="TemplateFormatErr" (+ __error_details__) is set.
//  label_format  `dst=src` renames (the value moves, src is deleted, nothing happens when src
//                is absent); `dst="tpl"` sets dst to the template's output. All templates of
//                one stage see the labels as they were when its first template ran.
//  drop / keep   by name or by matcher; `drop __error__` clears the error; keep never removes
//                the error labels.
//  decolorize    removes ANSI escape sequences.
//
// Thread-safety: see stage.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "query/logql/log/stage.h"
#include "query/logql/log/template.h"
#include "query/logql/syntax/ast.h"
#include "storage/base/result.h"

namespace re2 {
class RE2;
}

namespace loupe::query::logql {

class LineFormatStage : public PipelineStage {
 public:
  // kInvalidArgument "invalid line template: template: line:1: ...".
  static Result<std::unique_ptr<LineFormatStage>> Create(std::string_view tmpl);
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;
  void RequiredLabels(std::vector<std::string>* out) const override;

 private:
  std::shared_ptr<const Template> tmpl_;
  std::vector<Label> snapshot_;
  std::string buf_[2];  // alternate, so the input line may point into the previous output
  int cur_ = 0;
};

class LabelFormatStage : public PipelineStage {
 public:
  // kInvalidArgument "__error__ cannot be formatted", "multiple label name 'x' not allowed in a
  // single format operation", "invalid template for label 'x': template: label:1: ...".
  static Result<std::unique_ptr<LabelFormatStage>> Create(const std::vector<LabelFormat>& fmts);
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;
  void RequiredLabels(std::vector<std::string>* out) const override;

 private:
  struct Fmt {
    std::string dst;
    std::string src;  // rename
    std::shared_ptr<const Template> tmpl;
  };
  std::vector<Fmt> fmts_;
  std::vector<Label> snapshot_;
  std::string buf_, value_;
};

class DropStage : public PipelineStage {
 public:
  explicit DropStage(std::vector<NamedMatcher> named) : named_(std::move(named)) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  std::vector<NamedMatcher> named_;
};

class KeepStage : public PipelineStage {
 public:
  explicit KeepStage(std::vector<NamedMatcher> named) : named_(std::move(named)) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;
  void RequiredLabels(std::vector<std::string>* out) const override;

 private:
  std::vector<NamedMatcher> named_;
  std::vector<Label> all_;
};

class DecolorizeStage : public PipelineStage {
 public:
  DecolorizeStage();
  ~DecolorizeStage() override;
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override;

 private:
  std::shared_ptr<const re2::RE2> re_;
  std::string buf_[2];
  int cur_ = 0;
};

}  // namespace loupe::query::logql

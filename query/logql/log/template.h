// A Go text/template implementation for LogQL's line_format and label_format, with the function
// set Loki registers (Go's builtins, a sprig subset, Loki's own: __line__, __timestamp__,
// regexReplaceAll, toDateInZone, unixToTime, bytes, duration, alignLeft, ... see
// template_funcs.cc for the list).
//
// Supported syntax: text and actions with `{{-`/`-}}` trimming, comments, pipelines with `|`,
// variables (`$x := ...`, `$x = ...`, `$`), fields (`.a`, `.a.b` on maps, `$x.a`), literals
// (strings, raw strings, characters, numbers, true/false/nil), parenthesised pipelines,
// if/else if/else, range (over maps in key order, lists and integers, with break/continue and
// else), with/else. Not supported: define/template/block and method calls on values.
//
// The data (dot) is the entry's label map; a missing field is "" (Go's missingkey=zero on a
// map[string]string). Values print as Go's fmt %v does; a time prints as time.Time.String().
//
// Errors follow Go's texts where practical: parse errors
//   template: line:1: function "foo" not defined
// and execution errors
//   template: line:1:3: executing "line" at <div 1 0>: error calling div: ...
//
// Thread-safety: a parsed Template is immutable; Execute may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"

namespace loupe::query::logql {

namespace tmpl {
struct Node;
}

struct TemplateInput {
  const std::vector<storage::model::Label>* labels = nullptr;  // sorted by name
  std::string_view line;                                       // __line__
  int64_t ts = 0;                                              // __timestamp__ (Unix ns)
};

class Template {
 public:
  // `name` is the template's name in error texts ("line" for line_format, "label" for
  // label_format).
  static Result<std::shared_ptr<const Template>> Parse(std::string_view name,
                                                       std::string_view text);
  ~Template();

  // Appends the output to *out. On error *out holds partial output.
  Status Execute(const TemplateInput& in, std::string* out) const;

  // The fields referenced anywhere (`.x`, `$.x`), for parser hints.
  const std::vector<std::string>& fields() const { return fields_; }
  // Set when the template is exactly `{{.name}}` (Loki's fast path: the value is the output).
  const std::string& simple_key() const { return simple_key_; }
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

 private:
  Template() = default;
  friend class TemplateParser;
  std::string name_;
  std::string text_;
  std::unique_ptr<tmpl::Node> root_;
  std::vector<std::string> fields_;
  std::string simple_key_;
};

}  // namespace loupe::query::logql

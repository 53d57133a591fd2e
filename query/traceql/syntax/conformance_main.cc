// Runs Tempo's TraceQL example queries (test_examples.yaml, path given as the only argument)
// against our parser and validator:
//   valid           must parse, validate OK, and print back to a form that parses the same way;
//   parse_fails     must fail to parse;
//   validate_fails  must parse and fail validation with an error other than "not supported";
//   unsupported     must parse (and print back); validation may report them unsupported, as
//                   Tempo does, or accept them; the number accepted is printed.
// Ends with "N passed, N failed"; exits 1 when any query failed, 2 when the file is unreadable.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <string>
#include <vector>

#include "query/traceql/syntax/parser.h"
#include "query/traceql/syntax/printer.h"
#include "query/traceql/syntax/validate.h"

namespace tq = loupe::query::traceql;

namespace {

struct Tally {
  int passed = 0;
  int failed = 0;
};

void Fail(Tally* t, const std::string& section, const std::string& q, const std::string& why) {
  ++t->failed;
  std::printf("FAIL [%s] %s\n      %s\n", section.c_str(), q.c_str(), why.c_str());
}

// Parses q, checks the printed form parses to the same printed form; returns the error text.
std::string RoundTrip(const tq::RootExpr& e) {
  const std::string printed = tq::Print(e);
  auto again = tq::Parse(printed);
  if (!again.ok())
    return "printed form does not parse: " + printed + " -> " + again.status().message();
  if (tq::Print(*again) != printed) return "print is not a fixpoint: " + printed;
  return "";
}

std::vector<std::string> Section(const YAML::Node& root, const char* name) {
  std::vector<std::string> out;
  const YAML::Node node = root[name];
  if (!node || !node.IsSequence()) return out;
  for (const auto& item : node) out.push_back(item.as<std::string>());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s test_examples.yaml\n", argv[0]);
    return 2;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot read %s: %s\n", argv[1], e.what());
    return 2;
  }

  Tally total;
  for (const std::string& q : Section(root, "valid")) {
    auto parsed = tq::Parse(q);
    if (!parsed.ok()) {
      Fail(&total, "valid", q, parsed.status().message());
      continue;
    }
    const loupe::Status v = tq::Validate(*parsed);
    if (!v.ok()) {
      Fail(&total, "valid", q, "validate: " + v.ToString());
      continue;
    }
    const std::string rt = RoundTrip(*parsed);
    if (!rt.empty()) {
      Fail(&total, "valid", q, rt);
      continue;
    }
    ++total.passed;
  }
  for (const std::string& q : Section(root, "parse_fails")) {
    auto parsed = tq::Parse(q);
    if (parsed.ok()) {
      Fail(&total, "parse_fails", q, "parsed as: " + tq::Print(*parsed));
      continue;
    }
    ++total.passed;
  }
  for (const std::string& q : Section(root, "validate_fails")) {
    auto parsed = tq::Parse(q);
    if (!parsed.ok()) {
      Fail(&total, "validate_fails", q, "did not parse: " + parsed.status().message());
      continue;
    }
    const loupe::Status v = tq::Validate(*parsed);
    if (v.ok()) {
      Fail(&total, "validate_fails", q, "validated OK: " + tq::Print(*parsed));
      continue;
    }
    if (v.code() != loupe::StatusCode::kInvalidArgument) {
      Fail(&total, "validate_fails", q, "wrong error kind: " + v.ToString());
      continue;
    }
    ++total.passed;
  }
  int unsupported_accepted = 0;
  int unsupported_reported = 0;
  for (const std::string& q : Section(root, "unsupported")) {
    auto parsed = tq::Parse(q);
    if (!parsed.ok()) {
      Fail(&total, "unsupported", q, "did not parse: " + parsed.status().message());
      continue;
    }
    const loupe::Status v = tq::Validate(*parsed);
    if (!v.ok() && v.code() != loupe::StatusCode::kUnimplemented) {
      Fail(&total, "unsupported", q, "rejected as invalid: " + v.ToString());
      continue;
    }
    const std::string rt = RoundTrip(*parsed);
    if (!rt.empty()) {
      Fail(&total, "unsupported", q, rt);
      continue;
    }
    if (v.ok())
      ++unsupported_accepted;
    else
      ++unsupported_reported;
    ++total.passed;
  }
  std::printf("unsupported: %d accepted by Validate, %d parsed and reported unsupported\n",
              unsupported_accepted, unsupported_reported);
  std::printf("%d passed, %d failed\n", total.passed, total.failed);
  return total.failed == 0 ? 0 : 1;
}

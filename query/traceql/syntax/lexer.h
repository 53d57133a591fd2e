// TraceQL lexer: turns a query into tokens with positions, following the token rules of Tempo's
// lexer (which builds on Go's text/scanner):
//  - identifiers are letters, digits and '_' (not starting with a digit); reserved words
//    (intrinsics, enums, functions, `by`, `with`, ...) become their own token kinds;
//  - numbers are decimal integers or floats (with fraction and/or exponent); a number directly
//    followed by duration units ("1s", "1.5ms", "1h30m", "2d", "10µs") is one DURATION token;
//  - strings are "..." with Go escapes, or `...` raw;
//  - an attribute reference is ONE token: `.a`, `span.a`, `resource.a`, `event.a`, `link.a`,
//    `instrumentation.a`, `parent.a`, `parent.span.a`, `parent.resource.a`. The name runs until
//    whitespace or one of `{}()=~!<>&|^,`, so `.http.status` and `.a-b` are single names; a
//    quoted part (`."a b"`, escapes \" and \\ only) may hold any other character;
//  - a scoped intrinsic is ONE token: `span:status`, `trace:rootService`, `event:name`, ...;
//  - operators are matched longest first (`!>>`, `&<<`, `=~`, ...); `//` and `/* */` comments and
//    whitespace are skipped.
//
// Tokenize() returns every token up to and including kEnd, or an InvalidArgument Status whose
// message reads "parse error at line L, col C: <reason>" for malformed input (bad escape,
// unterminated string, integer out of range). Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/traceql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::query::traceql {

enum class Tok : uint8_t {
  kEnd,
  kIdent,
  kString,
  kInt,
  kFloat,
  kDuration,
  kAttribute,        // scope/parent/name are in the token
  kScopedIntrinsic,  // text is "scope:name"
  kEmptyAttribute,   // a scope prefix with no name after it (`{ . }`, `{ span. }`)
  kUnknown,          // a character that starts no token; text holds it
  // Punctuation and operators.
  kComma,
  kOpenBrace,
  kCloseBrace,
  kOpenParen,
  kCloseParen,
  kOpenBracket,
  kCloseBracket,
  kEq,
  kNeq,
  kRe,
  kNre,
  kGt,
  kGte,
  kLt,
  kLte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAnd,
  kOr,
  kNot,
  kPipe,
  kDesc,
  kAnce,
  kTilde,
  kNotChild,
  kNotParent,
  kNotDesc,
  kNotAnce,
  kUnionChild,
  kUnionParent,
  kUnionDesc,
  kUnionAnce,
  kUnionSibl,
  // Literal keywords.
  kTrue,
  kFalse,
  kNil,
  kStatusOk,
  kStatusError,
  kStatusUnset,
  kKindUnspecified,
  kKindInternal,
  kKindServer,
  kKindClient,
  kKindProducer,
  kKindConsumer,
  // Unscoped intrinsics.
  kIDuration,
  kChildCount,
  kName,
  kStatus,
  kStatusMessage,
  kKind,
  kParent,
  kRootName,
  kRootServiceName,
  kTraceDuration,
  kNestedSetLeft,
  kNestedSetRight,
  kNestedSetParent,
  // Pipeline functions.
  kCount,
  kAvg,
  kMax,
  kMin,
  kSum,
  kBy,
  kCoalesce,
  kSelect,
  kRate,
  kCountOverTime,
  kMinOverTime,
  kMaxOverTime,
  kAvgOverTime,
  kSumOverTime,
  kQuantileOverTime,
  kHistogramOverTime,
  kCompare,
  kTopK,
  kBottomK,
  kWith,
};

struct Token {
  Tok kind = Tok::kEnd;
  Pos pos;
  std::string text;        // source text; decoded value for kString; name for kAttribute
  int64_t int_value = 0;   // kInt; nanoseconds for kDuration
  double float_value = 0;  // kFloat
  AttributeScope scope = AttributeScope::kNone;  // kAttribute
  bool parent = false;                           // kAttribute
};

// How a token kind reads in error messages: "{", "&&", "count", "IDENTIFIER", "$end", ...
std::string TokenDisplay(const Token& t);

Result<std::vector<Token>> Tokenize(std::string_view query);

}  // namespace loupe::query::traceql

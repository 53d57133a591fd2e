// Binary operators between instant vectors and scalars, with Prometheus's vector matching:
// on(...)/ignoring(...), group_left(...)/group_right(...), the set operators and/or/unless,
// comparison filters and `bool`, and Prometheus's error texts:
//   found duplicate series for the match group {a="b"} on the right hand-side of the
//     operation: [{...}, {...}];many-to-many matching not allowed: matching labels must be
//     unique on one side
//   multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)
//   multiple matches for labels: grouping labels must ensure unique matches
//   vector cannot contain metrics with the same labelset
//
// Usage of VectorBinaryOp: register the series of both sides once (AddLeft/AddRight), then
// call Step() per evaluation step with the samples present on each side. Result label sets are
// computed once per (left, right) pair and kept in an output table, so nothing is allocated per
// step for a stable set of series.
//
// Thread-safety: a VectorBinaryOp is used by one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/common/vector.h"
#include "storage/base/status.h"
#include "storage/model/labels.h"

namespace loupe::query {

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,
  kAnd,
  kOr,
  kUnless,
};

bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);
// Arithmetic operators (incl. atan2) change what a metric means, so they drop __name__.
bool ChangesMetricSchema(BinaryOp op);

// Arithmetic with Go's math semantics (Pow, Mod, Atan2). `op` must be arithmetic.
double Arithmetic(BinaryOp op, double l, double r);
// `op` must be a comparison.
bool Compare(BinaryOp op, double l, double r);
// Scalar op scalar: arithmetic, or 1/0 for comparisons.
double ScalarBinary(BinaryOp op, double l, double r);

// Vector op scalar (or scalar op vector when `scalar_on_left`) at one step, for arithmetic and
// comparison operators. Output samples keep their input series index. Comparisons without
// `bool` drop samples that fail and keep the vector's value; with `bool` they yield 1/0.
void VectorScalarStep(BinaryOp op, std::span<const StepSample> vec, double scalar,
                      bool scalar_on_left, bool return_bool, std::vector<StepSample>* out);

enum class MatchCardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  MatchCardinality card = MatchCardinality::kOneToOne;
  std::vector<std::string> labels;  // on(...) / ignoring(...)
  bool on = false;
  std::vector<std::string> include;  // group_left(...) / group_right(...)
};

class VectorBinaryOp {
 public:
  // Set operators must use kManyToMany, the others one of the other cardinalities.
  VectorBinaryOp(BinaryOp op, VectorMatching matching, bool return_bool);

  uint32_t AddLeft(const storage::model::Labels& labels, bool drop_name = false);
  uint32_t AddRight(const storage::model::Labels& labels, bool drop_name = false);

  // Evaluates one step; appends samples with series = output index. Returns
  // kInvalidArgument with Prometheus's text on a matching error.
  Status Step(std::span<const StepSample> lhs, std::span<const StepSample> rhs,
              std::vector<StepSample>* out);

  size_t num_outputs() const { return outputs_.size(); }
  const storage::model::Labels& output_labels(uint32_t i) const { return outputs_[i].labels; }
  bool output_drop_name(uint32_t i) const { return outputs_[i].drop_name; }

 private:
  struct Side {
    std::vector<storage::model::Labels> owned;
    std::vector<uint32_t> sig;
    std::vector<uint8_t> drop_name;
    std::vector<int32_t> output;  // set operators: output index of the series, or -1
    struct LastMatch {
      uint32_t one = 0;
      int32_t output = -1;
    };
    std::vector<LastMatch> last;  // per series: the last match and its output
  };
  struct Output {
    storage::model::Labels labels;
    bool drop_name = false;
    int64_t claimed_step = -1;  // last step at which a match claimed this output
    uint32_t claimed_sig = 0;   // the signature of that match
    int64_t written_step = -1;  // last step at which a sample was emitted for it
  };
  uint32_t Signature(const storage::model::Labels& labels);
  uint32_t AddSide(Side* side, const storage::model::Labels& labels, bool drop_name);
  uint32_t OutputFor(const storage::model::Labels& labels, bool drop_name);
  uint32_t SetOutput(Side* side, uint32_t series);
  Status StepSet(std::span<const StepSample> lhs, std::span<const StepSample> rhs,
                 std::vector<StepSample>* out);

  BinaryOp op_;
  VectorMatching matching_;
  bool return_bool_;
  std::vector<std::string> sig_names_;  // sorted; for ignoring() includes __name__
  Side left_, right_;
  std::unordered_multimap<uint64_t, uint32_t> sig_by_hash_;
  std::vector<storage::model::Labels> sig_labels_;
  std::vector<Output> outputs_;
  std::unordered_multimap<uint64_t, uint32_t> output_by_hash_;
  std::unordered_map<uint64_t, uint32_t> pair_output_;  // (many << 32 | one) -> output
  // Per-signature scratch, stamped with the step number to avoid clearing.
  std::vector<int64_t> one_stamp_;
  std::vector<uint32_t> one_series_;
  std::vector<int64_t> matched_stamp_;
  int64_t step_ = 0;
};

}  // namespace loupe::query

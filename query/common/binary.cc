#include "query/common/binary.h"

#include <algorithm>
#include <cmath>

#include "query/common/go_format.h"

namespace loupe::query {

using storage::model::kMetricNameLabel;
using storage::model::Label;
using storage::model::Labels;
using storage::model::LabelsBuilder;

bool IsComparison(BinaryOp op) { return op >= BinaryOp::kEq && op <= BinaryOp::kLe; }
bool IsSetOperator(BinaryOp op) { return op >= BinaryOp::kAnd; }
bool ChangesMetricSchema(BinaryOp op) { return op <= BinaryOp::kAtan2; }

double Arithmetic(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd:
      return l + r;
    case BinaryOp::kSub:
      return l - r;
    case BinaryOp::kMul:
      return l * r;
    case BinaryOp::kDiv:
      return l / r;
    case BinaryOp::kMod:
      return std::fmod(l, r);
    case BinaryOp::kPow:
      return std::pow(l, r);
    case BinaryOp::kAtan2:
      return std::atan2(l, r);
    default:
      return std::nan("");
  }
}

bool Compare(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kEq:
      return l == r;
    case BinaryOp::kNe:
      return l != r;
    case BinaryOp::kGt:
      return l > r;
    case BinaryOp::kLt:
      return l < r;
    case BinaryOp::kGe:
      return l >= r;
    case BinaryOp::kLe:
      return l <= r;
    default:
      return false;
  }
}

double ScalarBinary(BinaryOp op, double l, double r) {
  if (IsComparison(op)) return Compare(op, l, r) ? 1 : 0;
  return Arithmetic(op, l, r);
}

void VectorScalarStep(BinaryOp op, std::span<const StepSample> vec, double scalar,
                      bool scalar_on_left, bool return_bool, std::vector<StepSample>* out) {
  const bool cmp = IsComparison(op);
  for (const StepSample& s : vec) {
    const double l = scalar_on_left ? scalar : s.value;
    const double r = scalar_on_left ? s.value : scalar;
    double v;
    bool keep = true;
    if (cmp) {
      keep = Compare(op, l, r);
      v = s.value;  // comparisons keep the vector element's value
    } else {
      v = Arithmetic(op, l, r);
    }
    if (return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out->push_back({s.series, v});
  }
}

VectorBinaryOp::VectorBinaryOp(BinaryOp op, VectorMatching matching, bool return_bool)
    : op_(op), matching_(std::move(matching)), return_bool_(return_bool) {
  sig_names_ = matching_.labels;
  if (!matching_.on) sig_names_.push_back(std::string(kMetricNameLabel));
  std::sort(sig_names_.begin(), sig_names_.end());
}

uint32_t VectorBinaryOp::Signature(const Labels& labels) {
  std::vector<Label> kept;
  for (const auto& l : labels) {
    const bool listed = std::binary_search(sig_names_.begin(), sig_names_.end(), l.name);
    if (listed == matching_.on) kept.push_back(l);
  }
  Labels sig = Labels::FromSorted(std::move(kept));
  const uint64_t h = sig.Hash();
  auto [lo, hi] = sig_by_hash_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    if (sig_labels_[it->second] == sig) return it->second;
  }
  const auto idx = static_cast<uint32_t>(sig_labels_.size());
  sig_labels_.push_back(std::move(sig));
  sig_by_hash_.emplace(h, idx);
  one_stamp_.push_back(-1);
  one_series_.push_back(0);
  matched_stamp_.push_back(-1);
  return idx;
}

uint32_t VectorBinaryOp::AddSide(Side* side, const Labels& labels, bool drop_name) {
  side->owned.push_back(labels);
  side->sig.push_back(Signature(labels));
  side->drop_name.push_back(drop_name ? 1 : 0);
  side->output.push_back(-1);
  side->last.push_back({});
  return static_cast<uint32_t>(side->owned.size() - 1);
}

uint32_t VectorBinaryOp::AddLeft(const Labels& labels, bool drop_name) {
  return AddSide(&left_, labels, drop_name);
}
uint32_t VectorBinaryOp::AddRight(const Labels& labels, bool drop_name) {
  return AddSide(&right_, labels, drop_name);
}

uint32_t VectorBinaryOp::OutputFor(const Labels& labels, bool drop_name) {
  const uint64_t h = labels.Hash();
  auto [lo, hi] = output_by_hash_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    if (outputs_[it->second].labels == labels) return it->second;
  }
  const auto idx = static_cast<uint32_t>(outputs_.size());
  outputs_.push_back(Output{labels, drop_name});
  output_by_hash_.emplace(h, idx);
  return idx;
}

uint32_t VectorBinaryOp::SetOutput(Side* side, uint32_t series) {
  if (side->output[series] < 0) {
    side->output[series] =
        static_cast<int32_t>(OutputFor(side->owned[series], side->drop_name[series] != 0));
  }
  return static_cast<uint32_t>(side->output[series]);
}

namespace {

// Prometheus's Labels.MatchLabels: with on, the listed labels; otherwise all but the listed
// labels and __name__.
Labels MatchLabels(const Labels& l, bool on, const std::vector<std::string>& names) {
  std::vector<Label> out;
  for (const auto& lab : l) {
    const bool listed = std::find(names.begin(), names.end(), lab.name) != names.end();
    if (listed == on && (on || lab.name != kMetricNameLabel)) out.push_back(lab);
  }
  return Labels::FromSorted(std::move(out));
}

Status SameLabelsetError() {
  return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
}

}  // namespace

Status VectorBinaryOp::StepSet(std::span<const StepSample> lhs, std::span<const StepSample> rhs,
                               std::vector<StepSample>* out) {
  const int64_t step = ++step_;
  auto emit = [&](Side* side, const StepSample& s) -> Status {
    const uint32_t o = SetOutput(side, s.series);
    if (outputs_[o].written_step == step) return SameLabelsetError();
    outputs_[o].written_step = step;
    out->push_back({o, s.value});
    return Status::OK();
  };
  switch (op_) {
    case BinaryOp::kAnd:
      if (lhs.empty() || rhs.empty()) return Status::OK();
      for (const auto& s : rhs) one_stamp_[right_.sig[s.series]] = step;
      for (const auto& s : lhs) {
        if (one_stamp_[left_.sig[s.series]] == step) LOUPE_RETURN_IF_ERROR(emit(&left_, s));
      }
      return Status::OK();
    case BinaryOp::kOr:
      for (const auto& s : lhs) {
        one_stamp_[left_.sig[s.series]] = step;
        LOUPE_RETURN_IF_ERROR(emit(&left_, s));
      }
      for (const auto& s : rhs) {
        if (one_stamp_[right_.sig[s.series]] != step) LOUPE_RETURN_IF_ERROR(emit(&right_, s));
      }
      return Status::OK();
    case BinaryOp::kUnless:
      if (!lhs.empty() && !rhs.empty()) {
        for (const auto& s : rhs) one_stamp_[right_.sig[s.series]] = step;
      }
      for (const auto& s : lhs) {
        if (rhs.empty() || one_stamp_[left_.sig[s.series]] != step) {
          LOUPE_RETURN_IF_ERROR(emit(&left_, s));
        }
      }
      return Status::OK();
    default:
      return Status::Internal("not a set operator");
  }
}

Status VectorBinaryOp::Step(std::span<const StepSample> lhs, std::span<const StepSample> rhs,
                            std::vector<StepSample>* out) {
  if (IsSetOperator(op_)) return StepSet(lhs, rhs, out);
  if (lhs.empty() || rhs.empty()) return Status::OK();
  const int64_t step = ++step_;
  const bool one_to_many = matching_.card == MatchCardinality::kOneToMany;
  Side* many = one_to_many ? &right_ : &left_;
  Side* one = one_to_many ? &left_ : &right_;
  std::span<const StepSample> many_samples = one_to_many ? rhs : lhs;
  std::span<const StepSample> one_samples = one_to_many ? lhs : rhs;

  for (size_t i = 0; i < one_samples.size(); ++i) {
    const uint32_t series = one_samples[i].series;
    const uint32_t sig = one->sig[series];
    if (one_stamp_[sig] == step) {
      const Labels& dup = one->owned[one_samples[one_series_[sig]].series];
      const Labels& cur = one->owned[series];
      return Status::InvalidArgument(
          "found duplicate series for the match group " +
          GoLabelsString(MatchLabels(cur, matching_.on, matching_.labels)) + " on the " +
          (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
          GoLabelsString(cur) + ", " + GoLabelsString(dup) +
          "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
    one_stamp_[sig] = step;
    one_series_[sig] = static_cast<uint32_t>(i);
  }

  const bool cmp = IsComparison(op_);
  const bool one_to_one = matching_.card == MatchCardinality::kOneToOne;
  for (const StepSample& ls : many_samples) {
    const uint32_t sig = many->sig[ls.series];
    if (one_stamp_[sig] != step) continue;
    const StepSample& rs = one_samples[one_series_[sig]];
    double fl = ls.value, fr = rs.value;
    if (one_to_many) std::swap(fl, fr);
    double value;
    bool keep = true;
    if (cmp) {
      keep = Compare(op_, fl, fr);
      value = fl;
    } else {
      value = Arithmetic(op_, fl, fr);
    }
    if (return_bool_) value = keep ? 1 : 0;

    // Result label set, computed once per (many, one) pair; the last pair of each many-side
    // series is cached, as matches rarely change between steps.
    const uint32_t one_key = one_to_one ? 0xffffffffU : rs.series;
    Side::LastMatch& last = many->last[ls.series];
    const uint64_t key = (static_cast<uint64_t>(ls.series) << 32) | one_key;
    uint32_t o;
    auto it = pair_output_.end();
    if (last.one == one_key && last.output >= 0) {
      o = static_cast<uint32_t>(last.output);
    } else if ((it = pair_output_.find(key)) != pair_output_.end()) {
      o = it->second;
    } else {
      LabelsBuilder b(many->owned[ls.series]);
      if (ChangesMetricSchema(op_)) {
        b.Del(kMetricNameLabel);
        b.Del("__type__");
        b.Del("__unit__");
      }
      Labels result = b.Build();
      if (one_to_one) {
        result = matching_.on ? result.Keep(matching_.labels) : result.Drop(matching_.labels);
      }
      if (!matching_.include.empty()) {
        LabelsBuilder ib(result);
        for (const auto& name : matching_.include) ib.Set(name, one->owned[rs.series].Get(name));
        result = ib.Build();
      }
      const bool drop = return_bool_ || (cmp && many->drop_name[ls.series] != 0);
      o = OutputFor(result, drop);
      pair_output_.emplace(key, o);
    }
    last.one = one_key;
    last.output = static_cast<int32_t>(o);

    if (one_to_one) {
      if (matched_stamp_[sig] == step) {
        return Status::InvalidArgument(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
      }
      matched_stamp_[sig] = step;
    } else if (outputs_[o].claimed_step == step && outputs_[o].claimed_sig == sig) {
      return Status::InvalidArgument(
          "multiple matches for labels: grouping labels must ensure unique matches");
    }
    outputs_[o].claimed_step = step;
    outputs_[o].claimed_sig = sig;
    if (!keep && !return_bool_) continue;
    // Two different matches producing the same result labels at one step.
    if (outputs_[o].written_step == step) return SameLabelsetError();
    outputs_[o].written_step = step;
    out->push_back({o, value});
  }
  return Status::OK();
}

}  // namespace loupe::query

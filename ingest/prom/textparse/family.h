// Which metric family a series belongs to, from its name and the family's type.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "storage/model/sample.h"

namespace loupe::ingest::prom {

// The family name a series name belongs to under OpenMetrics naming for `type`:
//   counter         x_total, x_created                 -> x
//   histogram       x_bucket, x_sum, x_count, x_created -> x
//   gaugehistogram  x_bucket, x_gsum, x_gcount          -> x
//   summary         x_sum, x_count, x_created           -> x
//   info            x_info                              -> x
//   gauge, stateset, unknown: the name itself.
// A name without one of its type's suffixes is returned unchanged (a summary's quantile series
// is named x itself). The result is a prefix of `series_name`.
std::string_view FamilyOf(std::string_view series_name, storage::model::MetricType type);

// Whether a series named `series_name` belongs to the family `family` declared (by # TYPE, and
// for type kUnknown by # HELP or # UNIT) with `type`. Accepts both naming conventions in use:
// OpenMetrics families ("# TYPE x counter" with x_total) and Prometheus text families
// ("# TYPE x_total counter" with x_total); as Prometheus does, a counter or info family name's
// own _total / _info suffix is ignored on both sides.
bool BelongsToFamily(std::string_view series_name, std::string_view family,
                     storage::model::MetricType type);

}  // namespace loupe::ingest::prom

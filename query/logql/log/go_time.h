// Go's time.Time text forms for LogQL templates: layout-based Format and Parse (the reference
// time "Mon Jan 2 15:04:05 MST 2006"), and Time.String(). Times are kept as seconds and
// nanoseconds since the Unix epoch plus a fixed zone offset, so that Go's zero time (year 1)
// and far dates are representable.
//
// Zones: loupe has no time-zone database; layouts that parse a zone abbreviation accept it with
// offset 0 unless it is "UTC"/"GMT" or a numeric offset is present, and toDateInZone accepts
// only "UTC", "Local" (treated as UTC) and fixed offsets.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loupe::query::logql {

struct GoTime {
  int64_t sec = kZeroSec;  // seconds since the Unix epoch
  int32_t nsec = 0;        // [0, 1e9)
  int32_t offset = 0;      // zone offset east of UTC, seconds
  std::string zone = "UTC";

  // Go's zero time.Time: January 1, year 1, 00:00:00 UTC.
  static constexpr int64_t kZeroSec = -62135596800;
  static GoTime FromUnixNanos(int64_t ns);
  static GoTime FromUnix(int64_t sec, int64_t nsec);
  bool IsZero() const { return sec == kZeroSec && nsec == 0; }
  // UnixNano as Go computes it (wraps on overflow).
  int64_t UnixNano() const;
};

// time.Time.Format(layout).
std::string FormatGoTime(const GoTime& t, std::string_view layout);
// time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST".
std::string GoTimeString(const GoTime& t);
// time.Parse(layout, value) with UTC as the default location; nullopt on error, with Go's
// message in *err when given.
std::optional<GoTime> ParseGoTime(std::string_view layout, std::string_view value,
                                  std::string* err = nullptr);

// Civil date helpers (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d);

}  // namespace loupe::query::logql

#include "query/logql/log/go_time.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace loupe::query::logql {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

GoTime GoTime::FromUnix(int64_t sec, int64_t nsec) {
  GoTime t;
  sec += nsec / 1000000000;
  nsec %= 1000000000;
  if (nsec < 0) {
    nsec += 1000000000;
    --sec;
  }
  t.sec = sec;
  t.nsec = static_cast<int32_t>(nsec);
  return t;
}

GoTime GoTime::FromUnixNanos(int64_t ns) { return FromUnix(0, ns); }

int64_t GoTime::UnixNano() const {
  return static_cast<int64_t>(static_cast<uint64_t>(sec) * 1000000000ull +
                              static_cast<uint64_t>(nsec));
}

namespace {

const char* const kLongMonths[] = {"January", "February", "March",     "April",
                                   "May",     "June",     "July",      "August",
                                   "September", "October", "November", "December"};
const char* const kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

enum Std {
  kNone,
  kLongMonth, kMonth, kNumMonth, kZeroMonth,
  kLongWeekDay, kWeekDay,
  kDay, kUnderDay, kZeroDay, kUnderYearDay, kZeroYearDay,
  kHour, kHour12, kZeroHour12,
  kMinute, kZeroMinute, kSecond, kZeroSecond,
  kLongYear, kYear, kPM, kpm, kTZ,
  kISO8601TZ, kISO8601SecondsTZ, kISO8601ShortTZ, kISO8601ColonTZ, kISO8601ColonSecondsTZ,
  kNumTZ, kNumSecondsTz, kNumShortTZ, kNumColonTZ, kNumColonSecondsTZ,
  kFracSecond0, kFracSecond9,
};

bool StartsWith(std::string_view s, size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}
bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Go's nextStdChunk: finds the next std chunk at or after `from`. Returns its position, kind,
// length and (for fractions) digit count and separator.
size_t NextStd(std::string_view l, size_t from, Std* std, size_t* len, int* digits) {
  for (size_t i = from; i < l.size(); ++i) {
    const char c = l[i];
    *digits = 0;
    switch (c) {
      case 'J':
        if (StartsWith(l, i, "Jan")) {
          if (StartsWith(l, i, "January")) { *std = kLongMonth; *len = 7; return i; }
          *std = kMonth; *len = 3; return i;
        }
        break;
      case 'M':
        if (StartsWith(l, i, "Mon")) {
          if (StartsWith(l, i, "Monday")) { *std = kLongWeekDay; *len = 6; return i; }
          *std = kWeekDay; *len = 3; return i;
        }
        if (StartsWith(l, i, "MST")) { *std = kTZ; *len = 3; return i; }
        break;
      case '0':
        if (StartsWith(l, i, "002")) { *std = kZeroYearDay; *len = 3; return i; }
        if (i + 1 < l.size() && l[i + 1] >= '1' && l[i + 1] <= '6') {
          static const Std k0x[] = {kZeroMonth, kZeroDay, kZeroHour12, kZeroMinute, kZeroSecond,
                                    kYear};
          *std = k0x[l[i + 1] - '1'];
          *len = 2;
          return i;
        }
        break;
      case '1':
        if (i + 1 < l.size() && l[i + 1] == '5') { *std = kHour; *len = 2; return i; }
        *std = kNumMonth; *len = 1; return i;
      case '2':
        if (StartsWith(l, i, "2006")) { *std = kLongYear; *len = 4; return i; }
        *std = kDay; *len = 1; return i;
      case '_':
        if (i + 1 < l.size() && l[i + 1] == '2') {
          if (StartsWith(l, i + 1, "2006")) { *std = kLongYear; *len = 4; return i + 1; }
          *std = kUnderDay; *len = 2; return i;
        }
        if (StartsWith(l, i, "__2")) { *std = kUnderYearDay; *len = 3; return i; }
        break;
      case '3': *std = kHour12; *len = 1; return i;
      case '4': *std = kMinute; *len = 1; return i;
      case '5': *std = kSecond; *len = 1; return i;
      case 'P':
        if (StartsWith(l, i, "PM")) { *std = kPM; *len = 2; return i; }
        break;
      case 'p':
        if (StartsWith(l, i, "pm")) { *std = kpm; *len = 2; return i; }
        break;
      case '-':
        if (StartsWith(l, i, "-070000")) { *std = kNumSecondsTz; *len = 7; return i; }
        if (StartsWith(l, i, "-07:00:00")) { *std = kNumColonSecondsTZ; *len = 9; return i; }
        if (StartsWith(l, i, "-0700")) { *std = kNumTZ; *len = 5; return i; }
        if (StartsWith(l, i, "-07:00")) { *std = kNumColonTZ; *len = 6; return i; }
        if (StartsWith(l, i, "-07")) { *std = kNumShortTZ; *len = 3; return i; }
        break;
      case 'Z':
        if (StartsWith(l, i, "Z070000")) { *std = kISO8601SecondsTZ; *len = 7; return i; }
        if (StartsWith(l, i, "Z07:00:00")) { *std = kISO8601ColonSecondsTZ; *len = 9; return i; }
        if (StartsWith(l, i, "Z0700")) { *std = kISO8601TZ; *len = 5; return i; }
        if (StartsWith(l, i, "Z07:00")) { *std = kISO8601ColonTZ; *len = 6; return i; }
        if (StartsWith(l, i, "Z07")) { *std = kISO8601ShortTZ; *len = 3; return i; }
        break;
      case '.':
      case ',':
        if (i + 1 < l.size() && (l[i + 1] == '0' || l[i + 1] == '9')) {
          const char ch = l[i + 1];
          size_t j = i + 1;
          while (j < l.size() && l[j] == ch) ++j;
          if (!IsDigitAt(l, j)) {
            *std = ch == '0' ? kFracSecond0 : kFracSecond9;
            *len = j - i;
            *digits = std::min(static_cast<int>(j - i - 1), 9);  // Go formats at most 9
            return i;
          }
        }
        break;
      default:
        break;
    }
  }
  *std = kNone;
  *len = 0;
  return l.size();
}

void AppendInt(std::string* out, int64_t v, int width, char pad = '0') {
  char buf[32];
  const bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) out->push_back('-');
  for (int i = n; i < width; ++i) out->push_back(pad);
  while (n) out->push_back(buf[--n]);
}

struct Civil {
  int64_t year;
  unsigned month, day;
  int hour, min, sec, yday, wday;
};

Civil ToCivil(const GoTime& t) {
  const int64_t local = t.sec + t.offset;
  int64_t days = local / 86400;
  int64_t rem = local % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  Civil c;
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.min = static_cast<int>(rem / 60 % 60);
  c.sec = static_cast<int>(rem % 60);
  c.yday = static_cast<int>(days - DaysFromCivil(c.year, 1, 1)) + 1;
  int64_t w = (days + 4) % 7;  // 1970-01-01 was a Thursday
  if (w < 0) w += 7;
  c.wday = static_cast<int>(w);
  return c;
}

}  // namespace

std::string FormatGoTime(const GoTime& t, std::string_view layout) {
  const Civil c = ToCivil(t);
  std::string out;
  size_t pos = 0;
  while (pos < layout.size()) {
    Std std;
    size_t len;
    int digits;
    const size_t at = NextStd(layout, pos, &std, &len, &digits);
    out.append(layout.substr(pos, at - pos));
    if (std == kNone) break;
    pos = at + len;
    switch (std) {
      case kYear: AppendInt(&out, ((c.year % 100) + 100) % 100, 2); break;
      case kLongYear: AppendInt(&out, c.year, 4); break;
      case kMonth: out.append(kLongMonths[c.month - 1], 3); break;
      case kLongMonth: out.append(kLongMonths[c.month - 1]); break;
      case kNumMonth: AppendInt(&out, c.month, 0); break;
      case kZeroMonth: AppendInt(&out, c.month, 2); break;
      case kWeekDay: out.append(kLongDays[c.wday], 3); break;
      case kLongWeekDay: out.append(kLongDays[c.wday]); break;
      case kDay: AppendInt(&out, c.day, 0); break;
      case kUnderDay: AppendInt(&out, c.day, 2, ' '); break;
      case kZeroDay: AppendInt(&out, c.day, 2); break;
      case kUnderYearDay: AppendInt(&out, c.yday, 3, ' '); break;
      case kZeroYearDay: AppendInt(&out, c.yday, 3); break;
      case kHour: AppendInt(&out, c.hour, 2); break;
      case kHour12: AppendInt(&out, c.hour % 12 == 0 ? 12 : c.hour % 12, 0); break;
      case kZeroHour12: AppendInt(&out, c.hour % 12 == 0 ? 12 : c.hour % 12, 2); break;
      case kMinute: AppendInt(&out, c.min, 0); break;
      case kZeroMinute: AppendInt(&out, c.min, 2); break;
      case kSecond: AppendInt(&out, c.sec, 0); break;
      case kZeroSecond: AppendInt(&out, c.sec, 2); break;
      case kPM: out.append(c.hour >= 12 ? "PM" : "AM"); break;
      case kpm: out.append(c.hour >= 12 ? "pm" : "am"); break;
      case kTZ:
        if (!t.zone.empty()) {
          out.append(t.zone);
        } else {
          const int z = t.offset / 60;
          out.push_back(z < 0 ? '-' : '+');
          AppendInt(&out, std::abs(z) / 60, 2);
          AppendInt(&out, std::abs(z) % 60, 2);
        }
        break;
      case kISO8601TZ: case kISO8601SecondsTZ: case kISO8601ShortTZ: case kISO8601ColonTZ:
      case kISO8601ColonSecondsTZ: case kNumTZ: case kNumSecondsTz: case kNumShortTZ:
      case kNumColonTZ: case kNumColonSecondsTZ: {
        const bool iso = std >= kISO8601TZ && std <= kISO8601ColonSecondsTZ;
        if (iso && t.offset == 0) {
          out.push_back('Z');
          break;
        }
        int z = t.offset / 60;
        int absoff = std::abs(t.offset);
        out.push_back(z < 0 ? '-' : '+');
        z = std::abs(z);
        AppendInt(&out, z / 60, 2);
        const bool colon = std == kISO8601ColonTZ || std == kNumColonTZ ||
                           std == kISO8601ColonSecondsTZ || std == kNumColonSecondsTZ;
        if (std != kISO8601ShortTZ && std != kNumShortTZ) {
          if (colon) out.push_back(':');
          AppendInt(&out, z % 60, 2);
        }
        if (std == kISO8601SecondsTZ || std == kNumSecondsTz || std == kISO8601ColonSecondsTZ ||
            std == kNumColonSecondsTZ) {
          if (colon) out.push_back(':');
          AppendInt(&out, absoff % 60, 2);
        }
        break;
      }
      case kFracSecond0: {
        const char sep = layout[at];
        out.push_back(sep);
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%09d", t.nsec);
        out.append(buf, digits);
        break;
      }
      case kFracSecond9: {
        if (t.nsec == 0) break;
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%09d", t.nsec);
        std::string_view f(buf, digits);
        while (!f.empty() && f.back() == '0') f.remove_suffix(1);
        if (f.empty()) break;
        out.push_back(layout[at]);
        out.append(f);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

std::string GoTimeString(const GoTime& t) {
  std::string s = FormatGoTime(t, "2006-01-02 15:04:05.999999999 -0700 MST");
  return s;
}

namespace {

// Parses up to `max` digits (at least `min`) at value[*i]; false if none.
bool GetNum(std::string_view v, size_t* i, int min, int max, int64_t* out) {
  size_t j = *i;
  int64_t n = 0;
  while (j < v.size() && j - *i < static_cast<size_t>(max) && v[j] >= '0' && v[j] <= '9') {
    n = n * 10 + (v[j] - '0');
    ++j;
  }
  if (static_cast<int>(j - *i) < min) return false;
  *i = j;
  *out = n;
  return true;
}

bool MatchName(std::string_view v, size_t* i, const char* const* names, int n, int prefix,
               int* which) {
  for (int k = 0; k < n; ++k) {
    std::string_view name = names[k];
    if (prefix) name = name.substr(0, prefix);
    if (v.size() - *i >= name.size()) {
      bool eq = true;
      for (size_t q = 0; q < name.size(); ++q) {
        if (std::tolower(static_cast<unsigned char>(v[*i + q])) !=
            std::tolower(static_cast<unsigned char>(name[q]))) {
          eq = false;
          break;
        }
      }
      if (eq) {
        *i += name.size();
        *which = k;
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::optional<GoTime> ParseGoTime(std::string_view layout, std::string_view value,
                                  std::string* err) {
  auto fail = [&](const std::string& what) -> std::optional<GoTime> {
    if (err) {
      *err = "parsing time \"" + std::string(value) + "\" as \"" + std::string(layout) +
             "\": cannot parse \"" + what + "\"";
    }
    return std::nullopt;
  };
  int64_t year = 1, month = 1, day = 1, hour = 0, min = 0, sec = 0, nsec = 0, yday = -1;
  bool pm_set = false, pm = false;
  int offset = 0;
  bool have_offset = false;
  std::string zone;
  size_t pos = 0, i = 0;
  while (true) {
    Std std;
    size_t len;
    int digits;
    const size_t at = NextStd(layout, pos, &std, &len, &digits);
    const std::string_view lit = layout.substr(pos, at - pos);
    if (value.substr(i, lit.size()) != lit) return fail(std::string(value.substr(i)));
    i += lit.size();
    if (std == kNone) {
      if (i != value.size()) {
        if (err) *err = "parsing time \"" + std::string(value) + "\": extra text: \"" +
                        std::string(value.substr(i)) + "\"";
        return std::nullopt;
      }
      break;
    }
    pos = at + len;
    const std::string rest(value.substr(i));
    int64_t n = 0;
    int which = 0;
    switch (std) {
      case kYear:
        if (!GetNum(value, &i, 2, 2, &n)) return fail(rest);
        year = n >= 69 ? n + 1900 : n + 2000;
        break;
      case kLongYear:
        if (!GetNum(value, &i, 4, 4, &n)) return fail(rest);
        year = n;
        break;
      case kMonth:
        if (!MatchName(value, &i, kLongMonths, 12, 3, &which)) return fail(rest);
        month = which + 1;
        break;
      case kLongMonth:
        if (!MatchName(value, &i, kLongMonths, 12, 0, &which)) return fail(rest);
        month = which + 1;
        break;
      case kNumMonth: case kZeroMonth:
        if (!GetNum(value, &i, std == kZeroMonth ? 2 : 1, 2, &n) || n < 1 || n > 12)
          return fail(rest);
        month = n;
        break;
      case kWeekDay:
        if (!MatchName(value, &i, kLongDays, 7, 3, &which)) return fail(rest);
        break;
      case kLongWeekDay:
        if (!MatchName(value, &i, kLongDays, 7, 0, &which)) return fail(rest);
        break;
      case kDay: case kUnderDay: case kZeroDay:
        if (std == kUnderDay && i < value.size() && value[i] == ' ') ++i;
        if (!GetNum(value, &i, std == kZeroDay ? 2 : 1, 2, &n)) return fail(rest);
        day = n;
        break;
      case kUnderYearDay: case kZeroYearDay:
        while (std == kUnderYearDay && i < value.size() && value[i] == ' ') ++i;
        if (!GetNum(value, &i, std == kZeroYearDay ? 3 : 1, 3, &n)) return fail(rest);
        yday = n;
        break;
      case kHour:
        if (!GetNum(value, &i, 2, 2, &n) || n > 23) return fail(rest);
        hour = n;
        break;
      case kHour12: case kZeroHour12:
        if (!GetNum(value, &i, std == kZeroHour12 ? 2 : 1, 2, &n) || n > 12) return fail(rest);
        hour = n;
        break;
      case kMinute: case kZeroMinute:
        if (!GetNum(value, &i, std == kZeroMinute ? 2 : 1, 2, &n) || n > 59) return fail(rest);
        min = n;
        break;
      case kSecond: case kZeroSecond:
        if (!GetNum(value, &i, std == kZeroSecond ? 2 : 1, 2, &n) || n > 59) return fail(rest);
        sec = n;
        // Go accepts a fractional second here even when the layout has none.
        if (i + 1 < value.size() && (value[i] == '.' || value[i] == ',') &&
            IsDigitAt(value, i + 1)) {
          Std nstd;
          size_t nlen;
          int nd;
          if (NextStd(layout, pos, &nstd, &nlen, &nd) != pos || (nstd != kFracSecond0 &&
                                                                   nstd != kFracSecond9)) {
            ++i;
            int64_t f = 0;
            int cnt = 0;
            while (IsDigitAt(value, i)) {
              if (cnt < 9) {
                f = f * 10 + (value[i] - '0');
                ++cnt;
              }
              ++i;
            }
            while (cnt++ < 9) f *= 10;
            nsec = f;
          }
        }
        break;
      case kPM: case kpm:
        if (value.size() - i < 2) return fail(rest);
        if (value.substr(i, 2) == (std == kPM ? "PM" : "pm")) pm = true;
        else if (value.substr(i, 2) != (std == kPM ? "AM" : "am")) return fail(rest);
        pm_set = true;
        i += 2;
        break;
      case kTZ: {
        size_t j = i;
        while (j < value.size() && ((value[j] >= 'A' && value[j] <= 'Z'))) ++j;
        if (j - i < 3) return fail(rest);
        zone.assign(value.substr(i, j - i));
        i = j;
        break;
      }
      case kISO8601TZ: case kISO8601SecondsTZ: case kISO8601ShortTZ: case kISO8601ColonTZ:
      case kISO8601ColonSecondsTZ: case kNumTZ: case kNumSecondsTz: case kNumShortTZ:
      case kNumColonTZ: case kNumColonSecondsTZ: {
        const bool iso = std >= kISO8601TZ && std <= kISO8601ColonSecondsTZ;
        if (iso && i < value.size() && value[i] == 'Z') {
          ++i;
          zone = "UTC";
          have_offset = true;
          offset = 0;
          break;
        }
        if (i >= value.size() || (value[i] != '+' && value[i] != '-')) return fail(rest);
        const int sign = value[i] == '-' ? -1 : 1;
        ++i;
        int64_t hh = 0, mm = 0, ss = 0;
        if (!GetNum(value, &i, 2, 2, &hh)) return fail(rest);
        const bool colon = std == kISO8601ColonTZ || std == kNumColonTZ ||
                           std == kISO8601ColonSecondsTZ || std == kNumColonSecondsTZ;
        if (std != kISO8601ShortTZ && std != kNumShortTZ) {
          if (colon) {
            if (i >= value.size() || value[i] != ':') return fail(rest);
            ++i;
          }
          if (!GetNum(value, &i, 2, 2, &mm)) return fail(rest);
        }
        if (std == kISO8601SecondsTZ || std == kNumSecondsTz || std == kISO8601ColonSecondsTZ ||
            std == kNumColonSecondsTZ) {
          if (colon) {
            if (i >= value.size() || value[i] != ':') return fail(rest);
            ++i;
          }
          if (!GetNum(value, &i, 2, 2, &ss)) return fail(rest);
        }
        offset = sign * static_cast<int>(hh * 3600 + mm * 60 + ss);
        have_offset = true;
        break;
      }
      case kFracSecond0: case kFracSecond9: {
        if (i >= value.size() || (value[i] != '.' && value[i] != ',')) {
          if (std == kFracSecond9) break;
          return fail(rest);
        }
        ++i;
        int64_t f = 0;
        int cnt = 0;
        const size_t start = i;
        while (IsDigitAt(value, i)) {
          if (cnt < 9) {
            f = f * 10 + (value[i] - '0');
            ++cnt;
          }
          ++i;
        }
        if (std == kFracSecond0 && static_cast<int>(i - start) != digits) return fail(rest);
        while (cnt++ < 9) f *= 10;
        nsec = f;
        break;
      }
      default:
        break;
    }
  }
  if (pm_set) {
    if (hour > 12) return fail(std::string(value));
    if (pm && hour < 12) hour += 12;
    if (!pm && hour == 12) hour = 0;
  }
  if (yday >= 0) {
    const int64_t d0 = DaysFromCivil(year, 1, 1) + yday - 1;
    int64_t y;
    unsigned m, d;
    CivilFromDays(d0, &y, &m, &d);
    month = m;
    day = d;
  }
  static const int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int dim = kDaysIn[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > dim) {
    if (err) *err = "parsing time \"" + std::string(value) + "\": day out of range";
    return std::nullopt;
  }
  GoTime t;
  t.sec = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
          hour * 3600 + min * 60 + sec;
  t.nsec = static_cast<int32_t>(nsec);
  if (have_offset) {
    t.sec -= offset;
    t.offset = offset;
    t.zone = offset == 0 ? "UTC" : "";
  } else if (!zone.empty()) {
    t.zone = zone;
    t.offset = 0;
  }
  if (!zone.empty() && have_offset && offset != 0) t.zone = zone;
  return t;
}

}  // namespace loupe::query::logql

#include "exporter/verdict/text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace entra_pta::verdict {
namespace {

struct UtcFields {
  int year;
  unsigned month, day;
  int hour, minute, second;
};

UtcFields Fields(TimePoint t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<int>(hms.hours().count()),
          static_cast<int>(hms.minutes().count()),
          static_cast<int>(hms.seconds().count())};
}

bool StartsWithNoCase(const std::string& text, std::size_t at,
                      const std::string& word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = text[at + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

// scheme://user:password@host -> scheme://***@host.
void ScrubUserInfo(std::string& text) {
  for (std::size_t pos = text.find("://"); pos != std::string::npos;
       pos = text.find("://", pos + 3)) {
    const std::size_t start = pos + 3;
    std::size_t end = text.find_first_of("/?# \"'<>", start);
    if (end == std::string::npos) end = text.size();
    const std::size_t at = text.rfind('@', end - 1);
    if (at != std::string::npos && at >= start && at < end) {
      text.replace(start, at - start, "***");
    }
  }
}

// key=value and "key":"value" for one secret-like key.
void ScrubKey(std::string& text, const std::string& key) {
  for (std::size_t i = 0; i + key.size() < text.size(); ++i) {
    if (!StartsWithNoCase(text, i, key)) continue;
    std::size_t v = i + key.size();
    bool json = false;
    if (text[v] == '"') {
      ++v;
      json = true;
    }
    while (v < text.size() && text[v] == ' ') ++v;
    if (v >= text.size() || (text[v] != '=' && text[v] != ':')) continue;
    if (text[v] == ':' && !json) continue;  // "token: expired" is prose
    ++v;
    while (v < text.size() && text[v] == ' ') ++v;
    const bool quoted = v < text.size() && text[v] == '"';
    if (quoted) ++v;
    std::size_t e = v;
    while (e < text.size() && (quoted ? text[e] != '"'
                                      : std::string(" &,;\"'").find(text[e]) ==
                                            std::string::npos)) {
      ++e;
    }
    if (e > v && text.compare(v, e - v, "***") != 0) {
      text.replace(v, e - v, "***");
    }
    i = v;
  }
}

// Authorization: Bearer <token>
void ScrubBearer(std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!StartsWithNoCase(text, i, "bearer ")) continue;
    std::size_t v = i + 7;
    std::size_t e = v;
    while (e < text.size() && text[e] != ' ' && text[e] != '"' &&
           text[e] != '\'') {
      ++e;
    }
    if (e > v && text.compare(v, e - v, "***") != 0) {
      text.replace(v, e - v, "***");
    }
    i = v;
  }
}

}  // namespace

double Bounded(double seconds) {
  if (std::isnan(seconds)) return 0;
  return std::clamp(seconds, -9e9, 9e9);
}

TimePoint FromUnixSeconds(double seconds) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::duration<double>(Bounded(seconds))));
}

std::string FormatUtcIso(TimePoint t) {
  const UtcFields f = Fields(t);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", f.year,
                f.month, f.day, f.hour, f.minute, f.second);
  return buffer;
}

std::string FormatUtcIso(double unix_seconds) {
  return FormatUtcIso(FromUnixSeconds(std::floor(Bounded(unix_seconds))));
}

std::string FormatUtcSpaced(TimePoint t) {
  const UtcFields f = Fields(t);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d:%02d UTC",
                f.year, f.month, f.day, f.hour, f.minute, f.second);
  return buffer;
}

std::string FormatDate(TimePoint t) { return FormatUtcSpaced(t).substr(0, 10); }

// Built by appending: `literal + std::string&&` makes GCC 12 at -O3 warn
// -Wrestrict inside libstdc++ (GCC bug 105651).
std::string HumanDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long long s = static_cast<long long>(std::floor(Bounded(seconds)));
  std::string out;
  if (s < 60) {
    out = std::to_string(s);
    out += 's';
  } else if (s < 3600) {
    out = std::to_string(s / 60);
    out += 'm';
    if (s % 60) (out += ' ').append(std::to_string(s % 60)) += 's';
  } else if (s < 2 * 86400) {
    out = std::to_string(s / 3600);
    out += 'h';
    if (s % 3600 / 60)
      (out += ' ').append(std::to_string(s % 3600 / 60)) += 'm';
  } else {
    out = std::to_string(s / 86400);
    out += " days";
  }
  return out;
}

std::string PlainDuration(std::chrono::seconds d) {
  const long long s = d.count();
  const long long m = s / 60;
  const long long h = m / 60;
  const long long days = h / 24;
  std::string out;
  if (s < 60) {
    out = std::to_string(s);
    out += " s";
  } else if (m < 60) {
    out = std::to_string(m);
    out += " min";
  } else if (h < 48) {
    out = std::to_string(h);
    out += " h";
    if (m % 60 != 0) (out += ' ').append(std::to_string(m % 60)) += " min";
  } else {
    out = std::to_string(days);
    out += " d";
    if (h % 24 != 0 && days < 30) {
      (out += ' ').append(std::to_string(h % 24)) += " h";
    }
  }
  return out;
}

std::string FormatAge(TimePoint t, TimePoint now) {
  if (t > now + std::chrono::seconds(1)) return "in the future";
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - t);
  if (age < std::chrono::seconds(1)) return "just now";
  return PlainDuration(age) + " ago";
}

std::string FormatNumber(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string ScrubForDisplay(const std::string& input) {
  std::string text = input;
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  ScrubUserInfo(text);
  static const char* const kKeys[] = {
      "client_secret", "refresh_token", "access_token", "id_token",
      "device_code",   "password",      "passwd",       "secret",
      "token",         "api_key",       "apikey"};
  for (const char* key : kKeys) ScrubKey(text, key);
  ScrubBearer(text);
  return text;
}

}  // namespace entra_pta::verdict

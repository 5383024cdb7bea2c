#include "cli/value_parsers.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include "cli/cli_error.h"

namespace bisk {
namespace {

[[noreturn]] void reject(std::string_view flag, const std::string& text, std::string_view expected) {
  throw UsageError("--" + std::string(flag) + ": '" + text + "' is not " + std::string(expected));
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) parts.push_back(part);
  return parts;
}

template <typename Number>
bool parse_number(const std::string& text, Number& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

}  // namespace

bool parse_bool_flag(std::string_view flag, const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
  reject(flag, text, "a boolean (true/false, yes/no, 1/0)");
}

int parse_int_flag(std::string_view flag, const std::string& text) {
  int value = 0;
  if (!parse_number(text, value)) reject(flag, text, "a whole number");
  return value;
}

double parse_double_flag(std::string_view flag, const std::string& text) {
  double value = 0;
  if (!parse_number(text, value) || !std::isfinite(value)) reject(flag, text, "a number");
  return value;
}

Id parse_id_flag(std::string_view flag, const std::string& text) {
  Id value = 0;
  if (!parse_number(text, value) || value <= 0) reject(flag, text, "an id (a positive whole number)");
  return value;
}

std::vector<Id> parse_id_list_flag(std::string_view flag, const std::string& text) {
  std::vector<Id> ids;
  if (text.empty()) return ids;
  for (const auto& part : split(text, ',')) {
    Id value = 0;
    if (!parse_number(part, value) || value <= 0) reject(flag, text, "a comma-separated list of ids like 1,2,3");
    ids.push_back(value);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

int parse_hhmm_flag(std::string_view flag, const std::string& text) {
  auto minutes = parse_hhmm(text);
  if (!minutes) reject(flag, text, "a time of day HH:MM (00:00 to 23:59)");
  return *minutes;
}

LocalDate parse_date_flag(std::string_view flag, const std::string& text) {
  auto date = parse_date(text);
  if (!date) reject(flag, text, "a date YYYY-MM-DD");
  return *date;
}

Instant parse_instant_flag(std::string_view flag, const std::string& text) {
  auto instant = parse_instant(text);
  if (!instant) reject(flag, text, "an instant with an offset, like 2026-11-27T08:30:00+01:00 or ...Z");
  return *instant;
}

WeekdaySet parse_weekdays_flag(std::string_view flag, const std::string& text) {
  constexpr std::string_view kExpected = "a list of weekdays like mon-fri, mon,wed,fri or 0,1,2 (0 = Monday)";
  WeekdaySet days;
  for (const auto& part : split(text, ',')) {
    const auto dash = part.find('-');
    auto first = parse_weekday(part.substr(0, dash));
    auto last = dash == std::string::npos ? first : parse_weekday(part.substr(dash + 1));
    if (!first || !last || *last < *first) reject(flag, text, kExpected);
    for (int day = *first; day <= *last; ++day) days.add(day);
  }
  if (days.empty()) reject(flag, text, kExpected);
  return days;
}

}  // namespace bisk

// Parsing of flag values into field values. Each parser throws UsageError
// naming the flag, the offending text and what is expected.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.h"

namespace bisk {

bool parse_bool_flag(std::string_view flag, const std::string& text);
int parse_int_flag(std::string_view flag, const std::string& text);
double parse_double_flag(std::string_view flag, const std::string& text);
Id parse_id_flag(std::string_view flag, const std::string& text);
// "1,2,3"; "" is the empty list.
std::vector<Id> parse_id_list_flag(std::string_view flag, const std::string& text);
int parse_hhmm_flag(std::string_view flag, const std::string& text);
LocalDate parse_date_flag(std::string_view flag, const std::string& text);
Instant parse_instant_flag(std::string_view flag, const std::string& text);
// "mon-fri", "mon,wed,fri", "0,1,2", "sat-sun".
WeekdaySet parse_weekdays_flag(std::string_view flag, const std::string& text);

}  // namespace bisk

// How commands print: aligned tables for people, JSON for scripts.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "domain/entity_json.h"

namespace bisk {

// A JSON value as one table cell: strings bare, null as "-", arrays joined by ",".
std::string cell_text(const Json& value);

// Rows of JSON objects as an aligned table with the given columns.
void print_table(std::ostream& out, const std::vector<std::string>& columns, const Json& rows);

// One JSON object as "key: value" lines (nested arrays of objects one per line).
void print_record(std::ostream& out, const Json& record);

}  // namespace bisk

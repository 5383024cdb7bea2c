// The dashboard's admin pages: one page per entity an operator edits
// (cameras, profiles, policies, period templates and occurrences, students)
// and the read-only lists (processes, heartbeats, attendance). A page lists
// the records and carries the forms; the forms send JSON to the operator API
// (web/static/bisk.js), so validation and its messages are the API's.
#pragma once

#include <string>
#include <vector>

#include <httplib.h>

#include "domain/entity_json.h"
#include "web/web_context.h"

namespace bisk {

// One input of a form, as the templates draw it (see field_view).
struct FormField {
  enum class Kind { kText, kWriteOnly, kInt, kNumber, kBool, kChoice, kIntChoice, kChecks, kTime, kDate, kRows };
  std::string name;
  std::string label;
  Kind kind = Kind::kText;
  std::vector<std::pair<std::string, std::string>> options;  // kChoice, kIntChoice, kChecks: value, label
  std::vector<FormField> row_fields;                         // kRows: the fields of one row
  bool nullable = false;                                     // empty sends null (kText)
  std::string hint;
};

// The view of `field` holding `value` (a record's JSON member; null for a new
// record): every flag the template tests is present, so nested sections never
// read a flag of an enclosing field.
Json field_view(const FormField& field, const Json& value);

// GET /dash/cameras/, /profiles/, /policies/, /periods/, /students/,
// /processes/, /heartbeats/, /attendance/ (admin pages).
void register_admin_pages(httplib::Server& server, WebContext& context);

}  // namespace bisk

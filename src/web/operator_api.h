// Shared by the route files of the operator API (/api/v1/…, SPEC §6):
// operator_catalog_routes.cc (the entities an operator edits) and
// operator_runtime_routes.cc (processes, telemetry, attendance, enforcer).
//
// Conventions, the same for every resource:
// - lists answer 200 {"items":[…]}; one record answers 200 with the record;
// - POST creates → 201 with the full record (its "id" included);
// - PATCH applies the given fields onto the stored record → 200 with it;
// - DELETE → 200 {"ok":true};
// - actions the enforcer carries out → 202 {"ok":true,"request_id":N};
// - errors → {"ok":false,"error":…}: 400 malformed body or query, 404 unknown
//   id in the path, 409 conflict, 422 invalid value or unknown referenced id.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <httplib.h>

#include "domain/entities.h"
#include "domain/entity_json.h"
#include "web/auth.h"
#include "web/web_context.h"

namespace bisk {

// An answer other than success, thrown from a handler.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// `handler` behind admin_only, with HttpError, BodyError (400) and the store's
// kNotFound/kConflict/kInvalid (404/409/422) answered as JSON errors.
httplib::Server::Handler operator_handler(WebContext& context, AuthedHandler handler);

// The id in the path's capture group `index`; 404 naming `noun` when it is not one.
Id path_id(const httplib::Request& request, std::string_view noun, size_t index = 1);
// 404 "no camera with id 7".
[[noreturn]] void not_found(std::string_view noun, Id id);

// The request body as a JSON object (400 when it is not one). `optional_body`:
// an empty body reads as {} (actions whose fields all have defaults).
Json request_body(const httplib::Request& request, bool optional_body = false);

// Query parameters, 400 naming the parameter when malformed.
std::optional<long long> query_integer(const httplib::Request& request, const std::string& name, long long min,
                                       long long max);
std::optional<Instant> query_instant(const httplib::Request& request, const std::string& name);
std::optional<LocalDate> query_date(const httplib::Request& request, const std::string& name);
std::optional<bool> query_bool(const httplib::Request& request, const std::string& name);

// The lists of GET /api/v1/processes, /heartbeats, /attendance/events and
// /attendance/records for the request's query (the dashboard's pages show
// the same lists for the same query parameters).
Json process_items(WebContext& context, const httplib::Request& request);
Json heartbeat_items(WebContext& context, const httplib::Request& request);
Json attendance_event_items(WebContext& context, const httplib::Request& request);
Json attendance_record_items(WebContext& context, const httplib::Request& request);

void register_operator_catalog_routes(httplib::Server& server, WebContext& context);
void register_operator_runtime_routes(httplib::Server& server, WebContext& context);
void register_operator_user_routes(httplib::Server& server, WebContext& context);

}  // namespace bisk

// Small helpers every handler uses to read requests and write JSON answers.
#pragma once

#include <optional>
#include <string>

#include <httplib.h>

#include "domain/entity_json.h"

namespace bisk {

void send_json(httplib::Response& response, int status, const Json& body);
// {"ok":false,"error":message}
void send_error(httplib::Response& response, int status, const std::string& message);

// The request body as a JSON object, or nullopt after answering 400 (not JSON,
// not an object) or 415 (a content type other than application/json).
std::optional<Json> json_body(const httplib::Request& request, httplib::Response& response);

// True for "application/json" (any case, parameters such as charset allowed) and
// for a request without a Content-Type.
bool is_json_content_type(const httplib::Request& request);

// A query parameter, if present.
std::optional<std::string> query(const httplib::Request& request, const std::string& name);

}  // namespace bisk

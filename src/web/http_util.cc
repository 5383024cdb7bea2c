#include "web/http_util.h"

#include <cctype>
#include <string_view>

namespace bisk {

bool is_json_content_type(const httplib::Request& request) {
  if (!request.has_header("Content-Type")) return true;
  const std::string& value = request.get_header_value("Content-Type");
  const std::string_view media_type = std::string_view(value).substr(0, value.find(';'));
  std::string lower;
  for (char c : media_type) {
    if (c != ' ' && c != '\t') lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower == "application/json";
}

void send_json(httplib::Response& response, int status, const Json& body) {
  response.status = status;
  // Replace invalid UTF-8 (e.g. echoed from a request) instead of throwing mid-answer.
  response.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& response, int status, const std::string& message) {
  send_json(response, status, Json{{"ok", false}, {"error", message}});
}

std::optional<Json> json_body(const httplib::Request& request, httplib::Response& response) {
  if (!is_json_content_type(request)) {
    send_error(response, 415, "the request body must be JSON: send Content-Type: application/json");
    return std::nullopt;
  }
  if (request.body.empty()) {
    send_error(response, 400, "the request body is empty; expected a JSON object");
    return std::nullopt;
  }
  Json body;
  try {
    body = Json::parse(request.body);
  } catch (const Json::parse_error& error) {
    send_error(response, 400, "the request body is not valid JSON (error at byte " + std::to_string(error.byte) + ")");
    return std::nullopt;
  }
  if (!body.is_object()) {
    std::string message = "the request body must be a JSON object, not ";
    message += body.type_name();
    send_error(response, 400, message);
    return std::nullopt;
  }
  return body;
}

std::optional<std::string> query(const httplib::Request& request, const std::string& name) {
  if (!request.has_param(name)) return std::nullopt;
  return request.get_param_value(name);
}

}  // namespace bisk

#include "web/operator_api.h"

#include <charconv>

#include "common/text.h"
#include "store/store_error.h"
#include "web/entity_patch.h"
#include "web/http_util.h"
#include "web/routes.h"

namespace bisk {
namespace {

int store_error_status(StoreError::Kind kind) {
  switch (kind) {
    case StoreError::Kind::kNotFound:
      return 404;
    case StoreError::Kind::kConflict:
      return 409;
    case StoreError::Kind::kInvalid:
      return 422;
    default:
      return 0;  // the server's exception handler answers the rest (503/500)
  }
}

[[noreturn]] void bad_query(const std::string& name, std::string_view expected) {
  std::string message = name;
  message += ": must be ";
  message += expected;
  throw HttpError(400, message);
}

std::optional<long long> parse_integer(std::string_view text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

httplib::Server::Handler operator_handler(WebContext& context, AuthedHandler handler) {
  return admin_only(context, [handler = std::move(handler)](const httplib::Request& request,
                                                            httplib::Response& response, const Principal& principal) {
    try {
      handler(request, response, principal);
    } catch (const HttpError& error) {
      send_error(response, error.status(), error.what());
    } catch (const BodyError& error) {
      send_error(response, 400, error.what());
    } catch (const StoreError& error) {
      const int status = store_error_status(error.kind());
      if (status == 0) throw;
      send_error(response, status, error.what());
    }
  });
}

void not_found(std::string_view noun, Id id) {
  std::string message = "no ";
  message += noun;
  message += " with id ";
  message += std::to_string(id);
  throw HttpError(404, message);
}

Id path_id(const httplib::Request& request, std::string_view noun, size_t index) {
  const std::string text = request.matches[index];
  const auto id = parse_integer(text);
  if (!id || *id <= 0) {
    std::string message = "no ";
    message += noun;
    message += " with id ";
    message += bisk::quoted(text);
    throw HttpError(404, message);
  }
  return *id;
}

Json request_body(const httplib::Request& request, bool optional_body) {
  if (optional_body && request.body.empty()) return Json::object();
  httplib::Response refusal;
  auto body = json_body(request, refusal);
  if (!body) throw HttpError(refusal.status, Json::parse(refusal.body).value("error", "bad request body"));
  return *body;
}

std::optional<long long> query_integer(const httplib::Request& request, const std::string& name, long long min,
                                       long long max) {
  const auto text = query(request, name);
  if (!text) return std::nullopt;
  const auto value = parse_integer(*text);
  if (!value || *value < min || *value > max) {
    std::string expected = "an integer between ";
    expected += std::to_string(min);
    expected += " and ";
    expected += std::to_string(max);
    bad_query(name, expected);
  }
  return value;
}

std::optional<Instant> query_instant(const httplib::Request& request, const std::string& name) {
  const auto text = query(request, name);
  if (!text) return std::nullopt;
  const auto instant = parse_instant(*text);
  if (!instant) bad_query(name, "an instant, ISO-8601 with offset (e.g. 2026-11-27T08:00:00%2B01:00)");
  return instant;
}

std::optional<LocalDate> query_date(const httplib::Request& request, const std::string& name) {
  const auto text = query(request, name);
  if (!text) return std::nullopt;
  const auto date = parse_date(*text);
  if (!date) bad_query(name, "a date YYYY-MM-DD");
  return date;
}

std::optional<bool> query_bool(const httplib::Request& request, const std::string& name) {
  const auto text = query(request, name);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  bad_query(name, "true or false");
}

void register_operator_routes(httplib::Server& server, WebContext& context) {
  register_operator_catalog_routes(server, context);
  register_operator_runtime_routes(server, context);
  register_operator_user_routes(server, context);
}

}  // namespace bisk

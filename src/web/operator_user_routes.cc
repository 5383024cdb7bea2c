// Operators of the dashboard and the API: GET/POST /api/v1/users,
// PATCH/DELETE /api/v1/users/{id} (SPEC §6's operator API, as `bisk user`).
// Passwords go in (hashed with argon2id) and never come out.

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "store/user_store.h"
#include "web/auth.h"
#include "web/http_util.h"
#include "web/operator_api.h"

namespace bisk {
namespace {

constexpr std::size_t kMinPasswordChars = 8;

std::string password_from(const Json& body) {
  const auto found = body.find("password");
  if (found == body.end() || !found->is_string()) throw HttpError(400, "password: must be a string");
  const std::string password = found->get<std::string>();
  if (password.size() < kMinPasswordChars)
    throw HttpError(422, "password: must be at least " + std::to_string(kMinPasswordChars) + " characters");
  return password;
}

void refuse_unknown_fields(const Json& body, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = key + ": unknown field (known:";
    for (const auto name : known) message.append(" ").append(name);
    throw HttpError(400, message + ")");
  }
}

User require_user(UserStore& users, Id id) {
  auto user = users.find(id);
  if (!user) not_found("user", id);
  return *user;
}

}  // namespace

void register_operator_user_routes(httplib::Server& server, WebContext& context) {
  server.Get("/api/v1/users", operator_handler(context, [&context](const auto&, auto& response, const auto&) {
               Json items = Json::array();
               for (const User& user : UserStore(context.db()).list()) items.push_back(to_json(user, context.zone()));
               send_json(response, 200, Json{{"items", items}});
             }));
  server.Post("/api/v1/users", operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
                const Json body = request_body(request);
                refuse_unknown_fields(body, {"username", "password", "is_admin"});
                const auto username = body.find("username");
                if (username == body.end() || !username->is_string())
                  throw HttpError(400, "username: must be a string");
                const auto is_admin = body.find("is_admin");
                if (is_admin != body.end() && !is_admin->is_boolean())
                  throw HttpError(400, "is_admin: must be true or false");
                User user;
                user.username = username->get<std::string>();
                user.is_admin = is_admin == body.end() || is_admin->get<bool>();
                user.password_hash = hash_password(password_from(body));
                user.created_at = now_instant();
                UserStore users(context.db());
                const Id id = users.add(user);
                send_json(response, 201, to_json(require_user(users, id), context.zone()));
              }));
  const std::string one = R"(/api/v1/users/([^/]+))";
  server.Patch(one, operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
                 const Json body = request_body(request);
                 refuse_unknown_fields(body, {"password"});
                 UserStore users(context.db());
                 const User user = require_user(users, path_id(request, "user"));
                 users.set_password_hash(user.id, hash_password(password_from(body)));
                 send_json(response, 200, to_json(require_user(users, user.id), context.zone()));
               }));
  server.Delete(one, operator_handler(context, [&context](const auto& request, auto& response, const auto& principal) {
                  UserStore users(context.db());
                  const User user = require_user(users, path_id(request, "user"));
                  if (user.id == principal.user_id)
                    throw HttpError(409, "you cannot delete the account you are logged in with");
                  users.remove(user.id);
                  send_json(response, 200, Json{{"ok", true}});
                }));
}

}  // namespace bisk

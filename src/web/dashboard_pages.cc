// The dashboard's pages: login/logout, /dash/system/ with its live panel, the
// runners' snapshots and the recognitions' crops. Reads only: every change an
// operator makes from a page goes through the operator API (/api/v1/…) with
// the session's CSRF token, so there is one way to do each thing.
#include "web/dashboard_pages.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "web/admin_pages.h"
#include "web/auth.h"
#include "web/dashboard_views.h"
#include "web/http_util.h"
#include "web/page_templates.h"
#include "web/routes.h"

namespace bisk {
namespace {

constexpr char kHome[] = "/dash/system/";
constexpr int kDefaultRefreshSeconds = 10;

std::string next_page(const httplib::Request& request) {
  const auto next = query(request, "next");
  return next && is_local_path(*next) ? *next : kHome;
}

// The login form carries a token that must match a cookie set with the form
// (SameSite=Strict, so another site's page cannot send it): a form posted
// from elsewhere cannot log the browser into an account of the attacker's.
constexpr char kLoginCookie[] = "bisk_login";

void show_login(WebContext& context, const httplib::Request& request, httplib::Response& response,
                const std::string& error, int status) {
  const std::string token = random_token();
  response.set_header(
      "Set-Cookie", std::string(kLoginCookie) + "=" + token + "; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600");
  Json view = layout_view("Log in", nullptr);
  view["next"] = next_page(request);
  view["username_value"] = query(request, "username").value_or("");
  view["login_token"] = token;
  if (!error.empty()) view["error"] = error;
  send_page(context, response, "login", view, status);
}

bool login_token_ok(const httplib::Request& request) {
  const auto cookie = request_cookie(request, kLoginCookie);
  const auto sent = query(request, "login_token");
  return cookie && sent && !cookie->empty() && constant_time_equal(*cookie, *sent);
}

void register_login_routes(httplib::Server& server, WebContext& context) {
  server.Get("/login", [&context](const httplib::Request& request, httplib::Response& response) {
    const auto principal = authenticate(context, request);
    if (principal && principal->is_admin) {
      response.set_redirect(next_page(request), 303);
      return;
    }
    show_login(context, request, response, "", 200);
  });
  server.Post("/login", [&context](const httplib::Request& request, httplib::Response& response) {
    if (!login_token_ok(request)) {
      show_login(context, request, response, "the login form expired or came from another site; log in again", 403);
      return;
    }
    const std::string username = query(request, "username").value_or("");
    const std::string password = query(request, "password").value_or("");
    if (username.empty() || password.empty()) {
      show_login(context, request, response, "enter a username and a password", 400);
      return;
    }
    const LoginAttempt attempt = log_in(context, username, password, request.remote_addr, response);
    switch (attempt.outcome) {
      case LoginAttempt::Outcome::kLoggedIn:
        response.set_redirect(next_page(request), 303);
        return;
      case LoginAttempt::Outcome::kRateLimited:
        show_login(context, request, response, attempt.message(), 429);
        return;
      case LoginAttempt::Outcome::kWrongCredentials:
        show_login(context, request, response, attempt.message(), 401);
        return;
    }
  });
  server.Post("/logout", admin_page(context, [&context](const httplib::Request& request, httplib::Response& response,
                                                        const Principal&) {
                log_out(context, request, response);
                response.set_redirect("/login", 303);
              }));
}

int recent_param(const httplib::Request& request) {
  const auto text = query(request, "recent");
  if (!text) return kDefaultRecentRecognitions;
  try {
    return std::stoi(*text);
  } catch (const std::exception&) {
    return kDefaultRecentRecognitions;
  }
}

void register_system_pages(httplib::Server& server, WebContext& context) {
  for (const char* home_alias : {"/", "/dash", "/dash/"}) {
    server.Get(home_alias,
               [](const httplib::Request&, httplib::Response& response) { response.set_redirect(kHome, 303); });
  }
  server.Get(kHome, admin_page(context, [&context](const httplib::Request& request, httplib::Response& response,
                                                   const Principal& principal) {
               Json view = layout_view("System", &principal);
               view["nav_system"] = true;
               view["panel"] = system_panel_view(context, now_instant(), recent_param(request));
               view["recent"] = recent_param(request);
               send_page(context, response, "system", view);
             }));
  server.Get("/dash/system/panel/", admin_page(context, [&context](const httplib::Request& request,
                                                                   httplib::Response& response, const Principal&) {
               send_page(context, response, "system_panel",
                         Json{{"panel", system_panel_view(context, now_instant(), recent_param(request))}});
             }));
}

// A file under `base` named by `relative`, or nullopt when it would leave
// `base` or is not a regular file.
std::optional<std::filesystem::path> file_under(const std::filesystem::path& base, const std::string& relative) {
  if (relative.empty() || relative.find("..") != std::string::npos || relative.front() == '/') return std::nullopt;
  std::error_code error;
  const auto root = std::filesystem::canonical(base, error);
  if (error) return std::nullopt;
  const auto file = std::filesystem::canonical(root / relative, error);
  if (error || !std::filesystem::is_regular_file(file, error)) return std::nullopt;
  const auto [root_end, file_it] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (root_end != root.end()) return std::nullopt;
  return file;
}

std::string image_type(const std::filesystem::path& file) {
  const std::string extension = file.extension().string();
  if (extension == ".png") return "image/png";
  if (extension == ".jpg" || extension == ".jpeg") return "image/jpeg";
  return "application/octet-stream";
}

void send_file(httplib::Response& response, const std::optional<std::filesystem::path>& file) {
  if (!file) {
    send_error(response, 404, "no such file");
    return;
  }
  std::ifstream in(*file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  response.status = 200;
  // Student faces: never kept by shared caches.
  response.set_header("Cache-Control", "private, max-age=300");
  response.set_content(bytes.str(), image_type(*file));
}

// Snapshots (BISK_SNAPSHOT_DIR) and recognition crops (BISK_MEDIA_DIR), for
// logged-in operators only.
void register_media_routes(httplib::Server& server, WebContext& context) {
  server.Get(R"(/media/snapshots/(.+))", admin_page(context, [&context](const httplib::Request& request,
                                                                        httplib::Response& response, const Principal&) {
               send_file(response, file_under(context.settings().snapshot_dir, request.matches[1]));
             }));
  server.Get(
      R"(/media/(attendance_crops/.+))",
      admin_page(context, [&context](const httplib::Request& request, httplib::Response& response, const Principal&) {
        send_file(response, file_under(context.settings().media_dir, request.matches[1]));
      }));
}

}  // namespace

Json layout_view(const std::string& title, const Principal* principal) {
  Json view = {{"title", title}, {"default_refresh_seconds", kDefaultRefreshSeconds}};
  if (principal) {
    view["username"] = principal->username;
    view["csrf_token"] = principal->csrf_token;
  }
  return view;
}

void send_page(WebContext& context, httplib::Response& response, std::string_view name, const Json& view, int status) {
  const PageTemplates* templates = context.templates();
  if (!templates) {
    response.status = 503;
    response.set_content("the dashboard is unavailable: " + context.templates_error(), "text/plain; charset=utf-8");
    return;
  }
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(templates->render(name, view), "text/html; charset=utf-8");
}

void register_dashboard_routes(httplib::Server& server, WebContext& context) {
  // Stylesheet, script and htmx: no data in them, so no login needed.
  server.set_mount_point("/static", context.settings().web_dir + "/static");
  register_login_routes(server, context);
  register_system_pages(server, context);
  register_media_routes(server, context);
  register_admin_pages(server, context);
}

}  // namespace bisk

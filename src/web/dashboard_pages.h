// What the dashboard's pages share: the layout's view and sending a page.
#pragma once

#include <string>
#include <string_view>

#include <httplib.h>

#include "domain/entity_json.h"
#include "web/auth.h"
#include "web/web_context.h"

namespace bisk {

// The layout's part of a page's view: its title and, when logged in, the
// user and the session's CSRF token (every form and htmx request sends it).
Json layout_view(const std::string& title, const Principal* principal);

// Renders template `name` as the response (503 naming the problem when the
// templates could not be read at start).
void send_page(WebContext& context, httplib::Response& response, std::string_view name, const Json& view,
               int status = 200);

}  // namespace bisk

// Route registration, one function per API module.
#pragma once

#include <httplib.h>

#include "web/web_context.h"

namespace bisk {

void register_heartbeat_routes(httplib::Server& server, WebContext& context);  // POST /api/runner/heartbeat/
void register_runner_routes(httplib::Server& server, WebContext& context);     // /api/runner/gallery, /events
void register_operator_routes(httplib::Server& server, WebContext& context);   // /api/v1/…
void register_system_routes(httplib::Server& server, WebContext& context);     // /dash/system.json, /metrics
void register_dashboard_routes(httplib::Server& server, WebContext& context);  // /login, /dash/…, /media/…, /static/…

}  // namespace bisk

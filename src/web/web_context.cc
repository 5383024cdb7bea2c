#include "web/web_context.h"

#include <atomic>
#include <map>

#include "web/auth.h"
#include "web/enrollment.h"
#include "web/heartbeat_api.h"
#include "web/metrics.h"
#include "web/page_templates.h"

namespace bisk {
namespace {

std::uint64_t next_context_id() {
  static std::atomic<std::uint64_t> next{1};
  return next++;
}

}  // namespace

WebContext::WebContext(Settings settings)
    : settings_(std::move(settings)),
      id_(next_context_id()),
      metrics_(std::make_unique<Metrics>()),
      heartbeat_gate_(std::make_unique<HeartbeatGate>()),
      login_limiter_(std::make_unique<LoginRateLimiter>()),
      enroller_(std::make_unique<Enroller>(settings_.model_dir)) {
  try {
    templates_ = std::make_unique<PageTemplates>(PageTemplates::load(settings_.web_dir + "/templates"));
  } catch (const std::exception& error) {
    templates_error_ = error.what();
  }
}

WebContext::~WebContext() = default;

Database& WebContext::db() {
  // Closed when the thread ends; the server's threads end with the server.
  thread_local std::map<std::uint64_t, std::unique_ptr<Database>> connections;
  auto& connection = connections[id_];
  if (!connection) connection = Database::open(settings_.database_url);
  return *connection;
}

}  // namespace bisk

// /metrics in Prometheus text format (prometheus-cpp core): request counts by
// route and status, heartbeat ingest outcomes, and — read from the database at
// scrape time — per-runner fps/latency/status/restarts and the enforcer's tick.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace bisk {

class WebContext;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  // route: the path with numeric segments replaced by {id} (bounded label set).
  void observe_request(std::string_view method, std::string_view path, int status, double seconds);
  // outcome: "stored", "updated", "rate_limited", "not_current", "bad_request", "forbidden", "unknown_pair", …
  void observe_heartbeat(std::string_view outcome);
  // The exposition text, including the gauges read from the database now.
  std::string render(WebContext& context);

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;
};

// "/api/v1/cameras/12/pause" → "/api/v1/cameras/{id}/pause".
std::string route_label(std::string_view path);

}  // namespace bisk

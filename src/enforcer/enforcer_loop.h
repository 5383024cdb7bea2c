// The processes around the Enforcer: `bisk run-enforcer` (single instance,
// event loop over signals, runner exits and timers, systemd notification) and
// `bisk enforce` (one reconciliation now, by the running enforcer when there
// is one).
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "config/config.h"
#include "enforcer/enforcer.h"

namespace bisk {

// Runs until SIGTERM or SIGINT, then stops every runner and returns 0. Returns
// 1 when another enforcer holds the lock (naming its pid) or the database is
// unusable, 2 for a configuration that cannot work. `log` gets one line per
// start, stop, exit and error.
int run_enforcer(const Settings& settings, const std::map<std::string, std::string>& environment, std::ostream& log,
                 std::ostream& errors);

// One reconciliation now. With an enforcer running, it is asked through an
// enforce-now request and its answer returned; otherwise this process takes
// the lock, adopts, reconciles, waits for the stops and paced starts it
// caused, and leaves the started runners to the next enforcer. Throws
// std::runtime_error when the running enforcer does not answer in time.
EnforceResult enforce_once(const Settings& settings, const std::map<std::string, std::string>& environment,
                           std::ostream& log);

}  // namespace bisk

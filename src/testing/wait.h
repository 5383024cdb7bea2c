// Polling for a condition in tests that drive real processes and streams.
#pragma once

#include <chrono>
#include <thread>

namespace bisk::testing {

// Polls `predicate` every `poll` until it holds or `timeout` has passed;
// returns its last value, so a condition that became true at the deadline counts.
template <class P>
bool wait_until(P predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return predicate();
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace bisk::testing

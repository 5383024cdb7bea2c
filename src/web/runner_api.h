// What every runner-facing endpoint shares (SPEC §6 "Runner API"): the face
// model runners must use, and the key check — X-BISK-KEY header only, compared
// in constant time, a key anywhere else refused with a hint.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "config/model_files.h"

namespace bisk {

// Bodies of POST /api/runner/events above this are refused with 413.
inline constexpr std::size_t kMaxEventBytes = 4 * 1024 * 1024;
// The decoded crop of an event, at most.
inline constexpr std::size_t kMaxCropBytes = 2 * 1024 * 1024;

inline constexpr char kKeyPlacementError[] = "send the key in the X-BISK-KEY header, not in the URL or body";

// The configured heartbeat key, kept as its SHA-256 digest: comparing digests
// of equal length in constant time leaks neither the key nor its length.
class RunnerKey {
 public:
  explicit RunnerKey(const std::optional<std::string>& key);
  bool matches(std::string_view presented) const;

 private:
  bool configured_ = false;
  std::array<unsigned char, 32> digest_{};
};

// The key checks that precede reading the body: 403 with the hint for a key
// in the query string, 403 "bad key" for a wrong or missing header. Returns
// false after answering.
bool authorize_runner(const httplib::Request& request, httplib::Response& response, const RunnerKey& key);

// True when Content-Length or the body itself exceeds `limit`.
bool body_too_large(const httplib::Request& request, std::size_t limit);

// Registers 405 answers (with Allow) for every method but `allowed` on `path`.
void register_method_not_allowed(httplib::Server& server, const std::string& path, std::string_view allowed);

}  // namespace bisk

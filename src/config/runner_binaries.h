// The programs a runner flavour needs (SPEC §2 BISK_STRICT_BINARIES), checked
// by `bisk check` and before `bisk run-enforcer` starts anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace bisk {

struct BinaryCheck {
  bool ok = false;
  std::string variable;  // BISK_FFMPEG_BIN, BISK_FFPROBE_BIN
  std::string detail;    // the resolved path, or what is wrong and how to fix it
};

// ffmpeg (for ffmpeg_all) and ffprobe (stream tests), whatever
// BISK_STRICT_BINARIES says; callers decide whether a miss is fatal.
std::vector<BinaryCheck> check_runner_binaries(const Settings& settings);

// `name` itself when it contains a slash, else the first match on PATH.
std::optional<std::string> find_executable(const std::string& name);

}  // namespace bisk

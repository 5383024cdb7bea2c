// Where a runner's output goes, and how it is kept from filling the disk.
#pragma once

#include <cstdint>
#include <string>

namespace bisk {

// <log_dir>/runner-<camera>-<profile>.log
std::string runner_log_path(const std::string& log_dir, long long camera_id, long long profile_id);

// When the file is larger than max_bytes, copies it to "<path>.1" (replacing
// that) and truncates it to 0 bytes. Runners write with O_APPEND, so they go on
// at the new end without reopening; lines written between the copy and the
// truncation are lost. Returns whether it rotated; a missing file is not an error.
bool cap_runner_log(const std::string& path, std::uintmax_t max_bytes);

}  // namespace bisk

#include "enforcer/runner_log.h"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace bisk {
namespace {

namespace fs = std::filesystem;

void check(const std::error_code& error, const std::string& what) {
  if (error) throw std::runtime_error(what + ": " + error.message());
}

}  // namespace

std::string runner_log_path(const std::string& log_dir, long long camera_id, long long profile_id) {
  return (fs::path(log_dir) / ("runner-" + std::to_string(camera_id) + "-" + std::to_string(profile_id) + ".log"))
      .string();
}

bool cap_runner_log(const std::string& path, std::uintmax_t max_bytes) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error == std::errc::no_such_file_or_directory) return false;
  check(error, "cannot read the size of " + path);
  if (size <= max_bytes) return false;
  // Copied aside and renamed, so whoever reads "<path>.1" sees a whole old log.
  const std::string rotated = path + ".1", partial = path + ".1.tmp";
  fs::copy_file(path, partial, fs::copy_options::overwrite_existing, error);
  check(error, "cannot copy " + path + " to " + partial);
  fs::rename(partial, rotated, error);
  check(error, "cannot rename " + partial + " to " + rotated);
  fs::resize_file(path, 0, error);
  check(error, "cannot truncate " + path);
  return true;
}

}  // namespace bisk

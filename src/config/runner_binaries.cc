#include "config/runner_binaries.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace bisk {

std::optional<std::string> find_executable(const std::string& name) {
  namespace fs = std::filesystem;
  // The error_code overload: a PATH directory this user may not read (root's
  // PATH under runuser) is skipped, not an exception.
  auto executable = [](const fs::path& path) {
    std::error_code error;
    return fs::is_regular_file(path, error) && access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return executable(name) ? std::optional(name) : std::nullopt;
  const char* path_env = std::getenv("PATH");
  std::stringstream dirs(path_env ? path_env : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && executable(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  }
  return std::nullopt;
}

std::vector<BinaryCheck> check_runner_binaries(const Settings& settings) {
  struct Needed {
    std::string variable, value;
  };
  std::vector<Needed> needed = {{"BISK_FFPROBE_BIN", settings.ffprobe_bin}};
  // ffmpeg_one decodes in-process; only ffmpeg_all runs the ffmpeg program.
  if (settings.runner_impl == "ffmpeg_all") needed.insert(needed.begin(), {"BISK_FFMPEG_BIN", settings.ffmpeg_bin});
  std::vector<BinaryCheck> results;
  for (const auto& binary : needed) {
    if (auto found = find_executable(binary.value)) {
      results.push_back({true, binary.variable, *found});
    } else {
      results.push_back({false, binary.variable,
                         "'" + binary.value + "' is not an executable" +
                             (binary.value.find('/') == std::string::npos ? " on PATH" : "") +
                             " - install the ffmpeg package (apt-get install ffmpeg) or set " + binary.variable +
                             " to its full path"});
    }
  }
  return results;
}

}  // namespace bisk

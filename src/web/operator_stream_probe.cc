#include "web/operator_stream_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/text.h"

extern char** environ;

namespace bisk {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxOutputBytes = 1 << 20;

Json failure(const std::string& message) { return Json{{"ok", false}, {"error", message}}; }

// The password of "scheme://user:password@host/…", empty when there is none.
std::string url_password(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  const size_t authority_begin = scheme_end + 3;
  const std::string authority = url.substr(authority_begin, url.find('/', authority_begin) - authority_begin);
  const size_t at = authority.rfind('@');
  if (at == std::string::npos) return "";
  const size_t colon = authority.find(':');
  if (colon == std::string::npos || colon > at) return "";
  return authority.substr(colon + 1, at - colon - 1);
}

// ffprobe's messages quote the URL; the password must not reach the operator's screen.
std::string masked(std::string text, const std::string& url) {
  const std::string password = url_password(url);
  if (password.empty()) return text;
  for (size_t at = text.find(password); at != std::string::npos; at = text.find(password, at + 3)) {
    text.replace(at, password.size(), "***");
  }
  return text;
}

// A private directory removed with everything in it when the probe ends.
class PrivateTempDir {
 public:
  PrivateTempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = (base && *base) ? base : "/tmp";
    pattern += "/bisk-probe-XXXXXX";
    if (mkdtemp(pattern.data())) path_ = pattern;  // mkdtemp creates it with mode 0700
  }
  ~PrivateTempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An ffconcat list naming the one input; quotes escaped as ffconcat wants ('\'').
bool write_input_list(const std::string& path, const std::string& url, const std::string& rtsp_transport) {
  std::string escaped;
  for (char c : url) {
    if (c == '\'') {
      escaped += "'\\''";
    } else {
      escaped += c;
    }
  }
  std::string text = "ffconcat version 1.0\nfile '";
  text += escaped;
  text += "'\n";
  if (rtsp_transport == "tcp" || rtsp_transport == "udp") {
    text += "option rtsp_transport ";
    text += rtsp_transport;
    text += '\n';
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  return close(fd) == 0 && written;
}

// The server's environment without BISK_* (the heartbeat key has no business in ffprobe).
std::vector<std::string> child_environment() {
  std::vector<std::string> variables;
  for (char** entry = environ; *entry; ++entry) {
    if (std::strncmp(*entry, "BISK_", 5) != 0) variables.emplace_back(*entry);
  }
  return variables;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& text : strings) result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

struct RunResult {
  int spawn_error = 0;  // errno of a failed spawn
  bool timed_out = false;
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv in its own process group with stdin from /dev/null, collecting
// stdout and stderr; kills the group at the deadline.
RunResult run(std::vector<std::string> argv, std::chrono::seconds timeout) {
  RunResult result;
  std::array<int, 2> out_pipe{}, err_pipe{};
  if (pipe2(out_pipe.data(), O_CLOEXEC) != 0) {
    result.spawn_error = errno;
    return result;
  }
  if (pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    result.spawn_error = errno;
    close(out_pipe[0]);
    close(out_pipe[1]);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  // The server's sockets must not leak into the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  auto environment = child_environment();
  pid_t pid = -1;
  result.spawn_error =
      posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes, pointers(argv).data(), pointers(environment).data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (result.spawn_error == 0) {
    const auto deadline = Clock::now() + timeout;
    std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
    std::array<std::string*, 2> sinks{&result.out, &result.err};
    int open_pipes = 2;
    while (open_pipes > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        result.timed_out = true;
        kill(-pid, SIGKILL);
        break;
      }
      if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
      for (size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buffer[4096];
        const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0 && sinks[i]->size() < kMaxOutputBytes) sinks[i]->append(buffer, static_cast<size_t>(n));
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
          fds[i].fd = -1;
          --open_pipes;
        }
      }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  return result;
}

// "30000/1001" → 29.97; null when unknown ("0/0").
Json frame_rate(const Json& stream) {
  for (const char* key : {"avg_frame_rate", "r_frame_rate"}) {
    const std::string text = stream.value(key, "");
    const size_t slash = text.find('/');
    if (slash == std::string::npos) continue;
    const double numerator = std::atof(text.substr(0, slash).c_str());
    const double denominator = std::atof(text.substr(slash + 1).c_str());
    if (numerator > 0 && denominator > 0) return numerator / denominator;
  }
  return nullptr;
}

Json streams_json(const Json& probe) {
  Json streams = Json::array();
  for (const auto& stream : probe.value("streams", Json::array())) {
    const bool video = stream.value("codec_type", "") == "video";
    streams.push_back({{"index", stream.value("index", 0)},
                       {"codec_type", stream.value("codec_type", "")},
                       {"codec", stream.value("codec_name", "")},
                       {"width", video && stream.contains("width") ? stream["width"] : Json(nullptr)},
                       {"height", video && stream.contains("height") ? stream["height"] : Json(nullptr)},
                       {"fps", video ? frame_rate(stream) : Json(nullptr)}});
  }
  return streams;
}

// ffprobe's last message line, which names the cause ("Connection refused",
// "401 Unauthorized", "No such file or directory").
std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return "";
  const size_t begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1,
                     end - (begin == std::string::npos ? 0 : begin + 1) + 1);
}

}  // namespace

Json probe_stream(const std::string& ffprobe_bin, const std::string& url, const std::string& rtsp_transport,
                  std::chrono::seconds timeout) {
  if (url.find_first_of("\r\n") != std::string::npos) return failure("the camera URL contains a line break");
  PrivateTempDir dir;
  const std::string list = dir.path() + "/input.ffconcat";
  if (dir.path().empty() || !write_input_list(list, url, rtsp_transport)) {
    return failure(std::string("cannot write a temporary file for ffprobe: ") + std::strerror(errno));
  }
  const RunResult result =
      run({ffprobe_bin, "-v", "error", "-print_format", "json", "-show_streams", "-f", "concat", "-safe", "0",
           "-protocol_whitelist", "file,rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https,crypto,httpproxy", "-i", list},
          timeout);
  if (result.spawn_error != 0) {
    std::string message = "cannot run ffprobe ";
    message += bisk::quoted(ffprobe_bin);
    message += " (set BISK_FFPROBE_BIN): ";
    message += std::strerror(result.spawn_error);
    return failure(message);
  }
  if (result.timed_out) return failure(std::string("timed out after ") + std::to_string(timeout.count()) + " s");
  if (result.exit_code != 0) {
    std::string message = masked(last_line(result.err), url);
    if (message.empty()) message = std::string("ffprobe exited with code ") + std::to_string(result.exit_code);
    return failure(message);
  }
  const Json probe = Json::parse(result.out, nullptr, false);
  if (probe.is_discarded()) return failure("ffprobe printed no readable stream list");
  return Json{{"ok", true}, {"streams", streams_json(probe)}};
}

}  // namespace bisk

#include "testing/stream_fixtures.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bisk::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The text of /proc/PID/stat after the command name: "S PPID ...", or empty.
std::string stat_after_comm(pid_t pid, std::string* comm = nullptr) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto open_paren = text.find('(');
  const auto close_paren = text.rfind(')');
  if (open_paren == std::string::npos || close_paren == std::string::npos || close_paren + 2 >= text.size()) return "";
  if (comm != nullptr) *comm = text.substr(open_paren + 1, close_paren - open_paren - 1);
  return text.substr(close_paren + 2);
}

}  // namespace

std::filesystem::path test_media_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("bisk-runner-test-media-" + std::to_string(getuid()));
  std::filesystem::create_directories(dir);
  return dir;
}

std::string lavfi_video(const std::string& name, const std::string& lavfi, int seconds, const std::string& x264_args) {
  const auto path = test_media_dir() / name;
  if (!std::filesystem::exists(path)) {
    const auto temp = test_media_dir() / (std::to_string(getpid()) + "." + name);
    const std::string command = "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i '" + lavfi + "' -t " +
                                std::to_string(seconds) + " -c:v libx264 " + x264_args + " -pix_fmt yuv420p '" +
                                temp.string() + "'";
    if (std::system(command.c_str()) != 0) return "";
    std::filesystem::rename(temp, path);
  }
  return path.string();
}

std::vector<pid_t> ffmpeg_children(pid_t parent) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
    if (pid <= 0) continue;
    std::string comm;
    std::istringstream rest(stat_after_comm(pid, &comm));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (comm == "ffmpeg" && ppid == parent && state != 'Z') found.push_back(pid);
  }
  return found;
}

bool process_alive(pid_t pid) {
  const std::string rest = stat_after_comm(pid);
  return !rest.empty() && rest[0] != 'Z';
}

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool RtspServer::start() {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return false;
  std::vector<std::string> args = {BISK_RTSP_SERVER, "--port", std::to_string(port_)};
  args.insert(args.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives a crashed test
    dup2(out[1], 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out[1]);
  std::string text;
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline && text.find('\n') == std::string::npos) {
    pollfd poll_fd{out[0], POLLIN, 0};
    if (poll(&poll_fd, 1, 100) <= 0) continue;
    char chunk[64];
    const ssize_t got = ::read(out[0], chunk, sizeof chunk);
    if (got <= 0) break;
    text.append(chunk, static_cast<size_t>(got));
  }
  ::close(out[0]);
  if (!text.starts_with("ready ")) return false;
  port_ = std::atoi(text.c_str() + 6);
  return true;
}

void RtspServer::stop(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, SIGCONT);
  kill(pid_, signal);
  const auto deadline = Clock::now() + 3s;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  pid_ = -1;
}

void RtspServer::pause() { kill(pid_, SIGSTOP); }
void RtspServer::resume() { kill(pid_, SIGCONT); }

std::string RtspServer::url(const std::string& userinfo) const {
  return "rtsp://" + userinfo + "127.0.0.1:" + std::to_string(port_) + "/stream";
}

}  // namespace bisk::testing

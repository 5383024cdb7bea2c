// StreamSupervisor with both sources against bisk_rtsp_server: reconnects
// with backoff when the server dies and comes back, the stall watchdog,
// stop(), stats.
#include "runner/stream_supervisor.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace bisk {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// --- helpers (the same ones live in frame_source_test.cc) ---

// Test videos are cached in one directory per user and reused by later runs;
// each is made under a temporary name and renamed, so parallel tests never see half a file.
std::filesystem::path media_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("bisk-runner-test-media-" + std::to_string(getuid()));
  std::filesystem::create_directories(dir);
  return dir;
}

// A video made by ffmpeg from a lavfi source.
std::string make_video(const std::string& name, const std::string& lavfi, int seconds) {
  const auto path = media_dir() / name;
  if (!std::filesystem::exists(path)) {
    const auto temp = media_dir() / (std::to_string(getpid()) + "." + name);
    const std::string command = "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i '" + lavfi + "' -t " +
                                std::to_string(seconds) + " -c:v libx264 -pix_fmt yuv420p '" + temp.string() + "'";
    if (std::system(command.c_str()) != 0) return "";
    std::filesystem::rename(temp, path);
  }
  return path.string();
}

// ffmpeg processes whose parent is this process.
std::vector<pid_t> ffmpeg_children() {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos || text.find("(ffmpeg)") == std::string::npos) continue;
    std::istringstream rest(text.substr(close_paren + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == getpid() && state != 'Z') found.push_back(pid);
  }
  closedir(proc);
  return found;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

// bisk_rtsp_server as a child process.
class RtspServer {
 public:
  explicit RtspServer(std::vector<std::string> args, int port = 0) : args_(std::move(args)), port_(port) {}
  ~RtspServer() { stop(); }
  bool start() {
    int out[2];
    if (pipe(out) != 0) return false;
    std::vector<std::string> args = {BISK_RTSP_SERVER, "--port", std::to_string(port_)};
    args.insert(args.end(), args_.begin(), args_.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
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
  void stop(int signal = SIGTERM) {
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
  void pause() { kill(pid_, SIGSTOP); }
  void resume() { kill(pid_, SIGCONT); }
  int port() const { return port_; }
  std::string url(const std::string& userinfo = "") const {
    return "rtsp://" + userinfo + "127.0.0.1:" + std::to_string(port_) + "/stream";
  }

 private:
  std::vector<std::string> args_;
  int port_;
  pid_t pid_ = -1;
};

// Waits up to `timeout` for `condition`.
template <typename Condition>
bool eventually(std::chrono::milliseconds timeout, Condition condition) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class StreamSupervisorTest : public testing::TestWithParam<std::string> {
 protected:
  SupervisorOptions options(const std::string& url) {
    SupervisorOptions options;
    options.url = url;
    options.source.target_fps = 5;
    options.source.rtsp_transport = "tcp";
    options.stall_timeout = 3s;
    options.backoff = {200ms, 500ms, 1s};
    options.fps_window = 2s;
    options.log = [](const std::string&) {};
    return options;
  }
  FrameSlot slot_;
};

INSTANTIATE_TEST_SUITE_P(Both, StreamSupervisorTest, testing::Values("ffmpeg_all", "ffmpeg_one"));

TEST_P(StreamSupervisorTest, MeasuresCameraFpsAndFeedsTheSlot) {
  const std::string file = make_video("testsrc720.mp4", "testsrc=size=1280x720:rate=25", 4);
  ASSERT_FALSE(file.empty());
  auto opts = options(file);
  opts.source.realtime = true;
  opts.source.loop = true;
  StreamSupervisor supervisor(make_frame_source(GetParam()), opts, slot_);
  supervisor.start();
  const auto frame = slot_.take(5s);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->bgr.cols, 1280);
  std::this_thread::sleep_for(3s);
  StreamStats stats = supervisor.stats();
  EXPECT_TRUE(stats.connected);
  EXPECT_NEAR(stats.camera_fps, 5.0, 1.2);
  EXPECT_GT(stats.dropped, 5);  // nobody took frames after the first
  EXPECT_EQ(stats.reconnects, 0);
  ASSERT_TRUE(supervisor.latest().has_value());
  EXPECT_EQ(supervisor.latest()->sequence, stats.frames);
  const auto start = Clock::now();
  supervisor.stop();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(ffmpeg_children().empty());
  stats = supervisor.stats();
  EXPECT_FALSE(stats.connected);
  EXPECT_TRUE(eventually(3s, [&] { return supervisor.stats().camera_fps == 0; }));
}

TEST_P(StreamSupervisorTest, ReconnectsWhenTheServerComesBack) {
  auto server = std::make_unique<RtspServer>(std::vector<std::string>{"--testsrc"});
  ASSERT_TRUE(server->start());
  const int port = server->port();
  StreamSupervisor supervisor(make_frame_source(GetParam()), options(server->url()), slot_);
  supervisor.start();
  ASSERT_TRUE(eventually(10s, [&] { return supervisor.stats().frames >= 5; }));
  server->stop(SIGKILL);  // the camera dies mid-stream
  ASSERT_TRUE(eventually(10s, [&] { return !supervisor.stats().last_error.empty(); }));
  const StreamStats lost = supervisor.stats();
  EXPECT_FALSE(lost.connected);
  // While it is gone: refused, retried with backoff.
  ASSERT_TRUE(eventually(10s, [&] { return supervisor.stats().last_error == "connection refused"; }))
      << supervisor.stats().last_error;
  server = std::make_unique<RtspServer>(std::vector<std::string>{"--testsrc"}, port);
  ASSERT_TRUE(server->start());
  ASSERT_TRUE(eventually(15s, [&] { return supervisor.stats().frames >= lost.frames + 5; }));
  const StreamStats back = supervisor.stats();
  EXPECT_TRUE(back.connected);
  EXPECT_GE(back.reconnects, 1);
  const auto start = Clock::now();
  supervisor.stop();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(ffmpeg_children().empty());
}

TEST_P(StreamSupervisorTest, StallWatchdogReconnects) {
  RtspServer server({"--testsrc"});
  ASSERT_TRUE(server.start());
  auto opts = options(server.url());
  opts.stall_timeout = 1500ms;
  StreamSupervisor supervisor(make_frame_source(GetParam()), opts, slot_);
  supervisor.start();
  ASSERT_TRUE(eventually(10s, [&] { return supervisor.stats().frames >= 3; }));
  server.pause();  // the connection stays open, nothing arrives
  ASSERT_TRUE(eventually(6s, [&] { return supervisor.stats().last_error.starts_with("stalled"); }))
      << supervisor.stats().last_error;
  EXPECT_TRUE(eventually(4s, [&] { return supervisor.stats().camera_fps == 0; }));
  const long long frames = supervisor.stats().frames;
  server.resume();
  ASSERT_TRUE(eventually(15s, [&] { return supervisor.stats().frames >= frames + 3; }));
  EXPECT_GE(supervisor.stats().reconnects, 1);
  supervisor.stop();
  EXPECT_TRUE(ffmpeg_children().empty());
}

TEST_P(StreamSupervisorTest, RetriesARefusedPortWithBackoffAndStopsQuickly) {
  auto opts = options("rtsp://127.0.0.1:" + std::to_string(free_port()) + "/stream");
  opts.backoff = {100ms, 200ms, 30s};
  StreamSupervisor supervisor(make_frame_source(GetParam()), opts, slot_);
  supervisor.start();
  ASSERT_TRUE(eventually(10s, [&] { return supervisor.stats().reconnects >= 2; }));
  StreamStats stats = supervisor.stats();
  EXPECT_EQ(stats.last_error, "connection refused");
  EXPECT_TRUE(stats.last_error_at.has_value());
  EXPECT_EQ(stats.frames, 0);
  std::this_thread::sleep_for(500ms);  // now in the 30 s wait
  EXPECT_EQ(supervisor.stats().reconnects, 2);
  const auto start = Clock::now();
  supervisor.stop();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(ffmpeg_children().empty());
}

TEST(StreamSupervisor, MakesBothSources) {
  EXPECT_EQ(make_frame_source("ffmpeg_all")->name(), "ffmpeg_all");
  EXPECT_EQ(make_frame_source("ffmpeg_one")->name(), "ffmpeg_one");
  EXPECT_EQ(make_frame_source("opencv"), nullptr);
}

}  // namespace
}  // namespace bisk

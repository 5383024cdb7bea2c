// What the stream tests share (src/runner and tests/): test videos made by
// FFmpeg, the RTSP test server (tests/rtsp_server) as a child process, and a
// look at the ffmpeg processes left behind.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace bisk::testing {

// A directory per user under the temporary directory for test videos, kept
// between runs.
std::filesystem::path test_media_dir();

// A video made by ffmpeg from a lavfi source (e.g. "testsrc=size=1280x720:rate=25"),
// H.264 by libx264 with its defaults (B-frames, B-pyramid) plus `x264_args`
// (e.g. "-bf 0"), cached in test_media_dir() and reused by later runs; it is
// made under a temporary name and renamed, so parallel tests never see half a
// file. Empty when ffmpeg failed.
std::string lavfi_video(const std::string& name, const std::string& lavfi, int seconds,
                        const std::string& x264_args = "");

// The live (not zombie) ffmpeg processes whose parent is `parent`.
std::vector<pid_t> ffmpeg_children(pid_t parent);

// True while `pid` exists and is not a zombie.
bool process_alive(pid_t pid);

// A TCP port on 127.0.0.1 nobody listens on right now.
int free_loopback_port();

// bisk_rtsp_server as a child process, serving rtsp://127.0.0.1:PORT/stream.
class RtspServer {
 public:
  // `args`: --file X.mp4 | --testsrc [--user U --password W]; port 0 picks a free one.
  explicit RtspServer(std::vector<std::string> args, int port = 0) : args_(std::move(args)), port_(port) {}
  ~RtspServer() { stop(); }
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  // Starts it and waits up to 10 s for "ready <port>"; false if it did not come up.
  bool start();
  // `signal`, then SIGKILL after 3 s; reaps it. Starting again serves the same port.
  void stop(int signal = 15);
  void pause();   // SIGSTOP: connections stay open, nothing flows
  void resume();  // SIGCONT
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url(const std::string& userinfo = "") const;

 private:
  std::vector<std::string> args_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace bisk::testing

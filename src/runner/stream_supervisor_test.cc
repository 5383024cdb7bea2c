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

#include "testing/stream_fixtures.h"
#include "testing/wait.h"

namespace bisk {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing::ffmpeg_children;
using testing::free_loopback_port;
using testing::lavfi_video;
using testing::process_alive;
using testing::RtspServer;
using testing::wait_until;

class StreamSupervisorTest : public ::testing::TestWithParam<std::string> {
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

INSTANTIATE_TEST_SUITE_P(Both, StreamSupervisorTest, ::testing::Values("ffmpeg_all", "ffmpeg_one"));

TEST_P(StreamSupervisorTest, MeasuresCameraFpsAndFeedsTheSlot) {
  const std::string file = lavfi_video("testsrc720.mp4", "testsrc=size=1280x720:rate=25", 4);
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
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
  stats = supervisor.stats();
  EXPECT_FALSE(stats.connected);
  EXPECT_TRUE(wait_until([&] { return supervisor.stats().camera_fps == 0; }, 3s, 20ms));
}

TEST_P(StreamSupervisorTest, ReconnectsWhenTheServerComesBack) {
  auto server = std::make_unique<RtspServer>(std::vector<std::string>{"--testsrc"});
  ASSERT_TRUE(server->start());
  const int port = server->port();
  StreamSupervisor supervisor(make_frame_source(GetParam()), options(server->url()), slot_);
  supervisor.start();
  ASSERT_TRUE(wait_until([&] { return supervisor.stats().frames >= 5; }, 10s, 20ms));
  server->stop(SIGKILL);  // the camera dies mid-stream
  ASSERT_TRUE(wait_until([&] { return !supervisor.stats().last_error.empty(); }, 10s, 20ms));
  const StreamStats lost = supervisor.stats();
  EXPECT_FALSE(lost.connected);
  // While it is gone: refused, retried with backoff.
  ASSERT_TRUE(wait_until([&] { return supervisor.stats().last_error == "connection refused"; }, 10s, 20ms))
      << supervisor.stats().last_error;
  server = std::make_unique<RtspServer>(std::vector<std::string>{"--testsrc"}, port);
  ASSERT_TRUE(server->start());
  ASSERT_TRUE(wait_until([&] { return supervisor.stats().frames >= lost.frames + 5; }, 15s, 20ms));
  const StreamStats back = supervisor.stats();
  EXPECT_TRUE(back.connected);
  EXPECT_GE(back.reconnects, 1);
  // The rate counts this connection's frames only: over at least 1 s, so no
  // more than the frames delivered since it came back.
  EXPECT_LE(back.camera_fps, static_cast<double>(back.frames - lost.frames));
  const auto start = Clock::now();
  supervisor.stop();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

TEST_P(StreamSupervisorTest, StallWatchdogReconnects) {
  RtspServer server({"--testsrc"});
  ASSERT_TRUE(server.start());
  auto opts = options(server.url());
  opts.stall_timeout = 1500ms;
  StreamSupervisor supervisor(make_frame_source(GetParam()), opts, slot_);
  supervisor.start();
  ASSERT_TRUE(wait_until([&] { return supervisor.stats().frames >= 3; }, 10s, 20ms));
  server.pause();  // the connection stays open, nothing arrives
  ASSERT_TRUE(wait_until([&] { return supervisor.stats().last_error.starts_with("stalled"); }, 6s, 20ms))
      << supervisor.stats().last_error;
  EXPECT_TRUE(wait_until([&] { return supervisor.stats().camera_fps == 0; }, 4s, 20ms));
  const long long frames = supervisor.stats().frames;
  server.resume();
  ASSERT_TRUE(wait_until([&] { return supervisor.stats().frames >= frames + 3; }, 15s, 20ms));
  EXPECT_GE(supervisor.stats().reconnects, 1);
  // Frames from before the stall are not counted into the new connection's rate.
  const StreamStats after = supervisor.stats();
  EXPECT_LE(after.camera_fps, static_cast<double>(after.frames - frames));
  supervisor.stop();
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

TEST_P(StreamSupervisorTest, RetriesARefusedPortWithBackoffAndStopsQuickly) {
  auto opts = options("rtsp://127.0.0.1:" + std::to_string(free_loopback_port()) + "/stream");
  opts.backoff = {100ms, 200ms, 30s};
  StreamSupervisor supervisor(make_frame_source(GetParam()), opts, slot_);
  supervisor.start();
  ASSERT_TRUE(wait_until([&] { return supervisor.stats().reconnects >= 2; }, 10s, 20ms));
  StreamStats stats = supervisor.stats();
  EXPECT_EQ(stats.last_error, "connection refused");
  EXPECT_TRUE(stats.last_error_at.has_value());
  EXPECT_EQ(stats.frames, 0);
  std::this_thread::sleep_for(500ms);  // now in the 30 s wait
  EXPECT_EQ(supervisor.stats().reconnects, 2);
  const auto start = Clock::now();
  supervisor.stop();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

TEST(StreamSupervisor, MakesBothSources) {
  EXPECT_EQ(make_frame_source("ffmpeg_all")->name(), "ffmpeg_all");
  EXPECT_EQ(make_frame_source("ffmpeg_one")->name(), "ffmpeg_one");
  EXPECT_EQ(make_frame_source("opencv"), nullptr);
}

}  // namespace
}  // namespace bisk

// Both frame sources against real FFmpeg: files made with ffmpeg's lavfi
// sources and RTSP streams from bisk_rtsp_server (tests/rtsp_server).
#include "runner/frame_source.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "runner/ffmpeg_process_source.h"
#include "runner/libav_source.h"
#include "runner/stream_supervisor.h"
#include "testing/stream_fixtures.h"

namespace bisk {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing::ffmpeg_children;
using testing::free_loopback_port;
using testing::lavfi_video;
using testing::process_alive;
using testing::RtspServer;
using testing::test_media_dir;

// A listening socket on 127.0.0.1 that accepts nothing and never answers:
// an RTSP handshake with it hangs.
class SilentListener {
 public:
  SilentListener() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    listening_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && listen(fd_, 4) == 0 &&
                 getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0;
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  bool listening() const { return listening_; }
  std::string url() const { return "rtsp://127.0.0.1:" + std::to_string(port_) + "/stream"; }

 private:
  int fd_;
  int port_ = 0;
  bool listening_ = false;
};

// --- tests, for both flavours ---

class FrameSourceTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<FrameSource> source_ = make_frame_source(GetParam());
  std::stop_source stop_;
};

INSTANTIATE_TEST_SUITE_P(Both, FrameSourceTest, ::testing::Values("ffmpeg_all", "ffmpeg_one"));

TEST_P(FrameSourceTest, DecodesAFileAtTheTargetFpsAndScale) {
  const std::string file = lavfi_video("testsrc720.mp4", "testsrc=size=1280x720:rate=25", 4);
  ASSERT_FALSE(file.empty());
  SourceOptions options;
  options.target_fps = 5;
  options.max_width = 640;
  ASSERT_TRUE(source_->open(file, options, stop_.get_token())) << source_->error();
  int frames = 0;
  Frame frame;
  while (source_->read(frame, 5s) == ReadStatus::kFrame) {
    ++frames;
    EXPECT_EQ(frame.sequence, frames);
    EXPECT_EQ(frame.bgr.cols, 640);
    EXPECT_EQ(frame.bgr.rows, 360);
    EXPECT_EQ(frame.bgr.type(), CV_8UC3);
    EXPECT_TRUE(frame.bgr.isContinuous());
  }
  // 4 s at 5 fps.
  EXPECT_GE(frames, 19);
  EXPECT_LE(frames, 21);
  EXPECT_NE(source_->error(), "");
  source_->close();
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

TEST_P(FrameSourceTest, DeliversBgrAndKeepsSmallFramesUnscaled) {
  const std::string file = lavfi_video("red.mp4", "color=c=red:size=640x360:rate=25", 1);
  ASSERT_FALSE(file.empty());
  SourceOptions options;
  options.target_fps = 0;  // every frame
  options.max_width = 1280;
  ASSERT_TRUE(source_->open(file, options, stop_.get_token())) << source_->error();
  Frame frame;
  ASSERT_EQ(source_->read(frame, 5s), ReadStatus::kFrame) << source_->error();
  EXPECT_EQ(frame.bgr.cols, 640);
  EXPECT_EQ(frame.bgr.rows, 360);
  const cv::Vec3b pixel = frame.bgr.at<cv::Vec3b>(180, 320);
  EXPECT_LT(pixel[0], 20);   // blue
  EXPECT_LT(pixel[1], 20);   // green
  EXPECT_GT(pixel[2], 235);  // red
  int frames = 1;
  while (source_->read(frame, 5s) == ReadStatus::kFrame) ++frames;
  EXPECT_EQ(frames, 25);
}

TEST_P(FrameSourceTest, SurvivesAResolutionChangeMidStream) {
  // Two MPEG-TS segments, 640x360 then 320x240, one after the other (a camera reconfigured).
  const auto path = test_media_dir() / "resolution-change.ts";
  if (!std::filesystem::exists(path)) {
    const auto temp = test_media_dir() / (std::to_string(getpid()) + ".resolution-change.ts");
    const std::string make =
        "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc=size=%s:rate=25 -t 1 "
        "-c:v libx264 -pix_fmt yuv420p -f mpegts -";
    const std::string command = "{ " + std::string(make).replace(make.find("%s"), 2, "640x360") + "; " +
                                std::string(make).replace(make.find("%s"), 2, "320x240") + "; } > '" + temp.string() +
                                "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::filesystem::rename(temp, path);
  }
  SourceOptions options;
  options.target_fps = 5;
  ASSERT_TRUE(source_->open(path.string(), options, stop_.get_token())) << source_->error();
  int frames = 0;
  Frame frame;
  while (source_->read(frame, 5s) == ReadStatus::kFrame) {
    ++frames;
    ASSERT_EQ(frame.bgr.type(), CV_8UC3);
    if (GetParam() == "ffmpeg_all") {
      // ffmpeg keeps its output at the first geometry (it rescales), so the pipe never tears.
      EXPECT_EQ(frame.bgr.cols, 640);
      EXPECT_EQ(frame.bgr.rows, 360);
    } else {
      EXPECT_TRUE((frame.bgr.cols == 640 && frame.bgr.rows == 360) || (frame.bgr.cols == 320 && frame.bgr.rows == 240));
    }
  }
  EXPECT_GE(frames, 9);
  EXPECT_LE(frames, 11);
}

TEST_P(FrameSourceTest, ReadsRtspOverTcpAndUdp) {
  RtspServer server({"--testsrc"});
  ASSERT_TRUE(server.start());
  for (const std::string transport : {"tcp", "udp", "auto"}) {
    SCOPED_TRACE(transport);
    SourceOptions options;
    options.target_fps = 5;
    options.rtsp_transport = transport;
    ASSERT_TRUE(source_->open(server.url(), options, stop_.get_token())) << source_->error();
    Frame frame;
    auto start = Clock::now();
    for (int i = 0; i < 15; ++i) {
      // The first frames may come in a burst (the server's and the client's buffers).
      if (i == 5) start = Clock::now();
      ASSERT_EQ(source_->read(frame, 5s), ReadStatus::kFrame) << source_->error();
      EXPECT_EQ(frame.bgr.cols, 640);
      EXPECT_EQ(frame.bgr.rows, 360);
    }
    // 10 frames at 5 fps from a live 25 fps stream: about 2 s, not 0.4 s.
    EXPECT_GT(Clock::now() - start, 1500ms);
    source_->close();
  }
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

TEST_P(FrameSourceTest, AuthenticatesAndReports401WithoutThePassword) {
  RtspServer server({"--testsrc", "--user", "cam", "--password", "p@ss:w0rd"});
  ASSERT_TRUE(server.start());
  SourceOptions options;
  options.rtsp_transport = "udp";  // the transport option reaches the camera through ffmpeg_all's concat list
  ASSERT_TRUE(source_->open(server.url("cam:p%40ss%3Aw0rd@"), options, stop_.get_token())) << source_->error();
  Frame frame;
  EXPECT_EQ(source_->read(frame, 5s), ReadStatus::kFrame) << source_->error();
  if (auto* process = dynamic_cast<FfmpegProcessSource*>(source_.get())) {
    // No password on ffmpeg's command line (/proc/PID/cmdline is world-readable).
    std::ifstream in("/proc/" + std::to_string(process->child_pid()) + "/cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(cmdline.empty());
    EXPECT_EQ(cmdline.find("w0rd"), std::string::npos);
  }
  source_->close();

  options.rtsp_transport = "tcp";
  EXPECT_FALSE(source_->open(server.url("cam:wrong-secret@"), options, stop_.get_token()));
  EXPECT_NE(source_->error().find("401 unauthorized"), std::string::npos) << source_->error();
  EXPECT_EQ(source_->error().find("wrong-secret"), std::string::npos);
  if (auto* process = dynamic_cast<FfmpegProcessSource*>(source_.get())) {
    for (const auto& line : process->stderr_tail()) EXPECT_EQ(line.find("wrong-secret"), std::string::npos) << line;
  }
}

TEST_P(FrameSourceTest, Reports404ForAWrongPath) {
  RtspServer server({"--testsrc"});
  ASSERT_TRUE(server.start());
  EXPECT_FALSE(
      source_->open("rtsp://127.0.0.1:" + std::to_string(server.port()) + "/nope", SourceOptions{}, stop_.get_token()));
  EXPECT_NE(source_->error().find("404 not found"), std::string::npos) << source_->error();
}

TEST_P(FrameSourceTest, ReportsConnectionRefused) {
  const auto start = Clock::now();
  EXPECT_FALSE(source_->open("rtsp://127.0.0.1:" + std::to_string(free_loopback_port()) + "/stream", SourceOptions{},
                             stop_.get_token()));
  EXPECT_EQ(source_->error(), "connection refused");
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

TEST_P(FrameSourceTest, ReportsAMissingFile) {
  EXPECT_FALSE(source_->open((test_media_dir() / "missing.mp4").string(), SourceOptions{}, stop_.get_token()));
  EXPECT_NE(source_->error().find("no such file"), std::string::npos) << source_->error();
}

TEST_P(FrameSourceTest, StopInterruptsABlockedReadQuickly) {
  RtspServer server({"--testsrc"});
  ASSERT_TRUE(server.start());
  SourceOptions options;
  options.rtsp_transport = "tcp";
  ASSERT_TRUE(source_->open(server.url(), options, stop_.get_token())) << source_->error();
  Frame frame;
  ASSERT_EQ(source_->read(frame, 5s), ReadStatus::kFrame) << source_->error();
  server.pause();  // nothing arrives any more: once the buffered frames are read, read() blocks
  while (source_->read(frame, 1s) == ReadStatus::kFrame) {
  }
  std::thread stopper([this] {
    std::this_thread::sleep_for(300ms);
    stop_.request_stop();
  });
  const auto start = Clock::now();
  EXPECT_EQ(source_->read(frame, 30s), ReadStatus::kStopped);
  EXPECT_LT(Clock::now() - start, 2s);
  stopper.join();
  source_->close();
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
  server.resume();
}

TEST_P(FrameSourceTest, StopInterruptsAHangingOpen) {
  // A listening socket that never answers: the RTSP handshake hangs.
  const SilentListener silent;
  ASSERT_TRUE(silent.listening());
  std::thread stopper([this] {
    std::this_thread::sleep_for(500ms);
    stop_.request_stop();
  });
  const auto start = Clock::now();
  EXPECT_FALSE(source_->open(silent.url(), SourceOptions{}, stop_.get_token()));
  EXPECT_LT(Clock::now() - start, 2500ms);
  stopper.join();
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

TEST_P(FrameSourceTest, OpenTimesOutOnASilentServer) {
  const SilentListener silent;
  ASSERT_TRUE(silent.listening());
  SourceOptions options;
  options.open_timeout = 1500ms;
  const auto start = Clock::now();
  EXPECT_FALSE(source_->open(silent.url(), options, stop_.get_token()));
  EXPECT_LT(Clock::now() - start, 4s);
  EXPECT_NE(source_->error().find("timeout"), std::string::npos) << source_->error();
}

TEST(FfmpegProcessSource, BuildsTheCommandLine) {
  SourceOptions options;
  options.target_fps = 2.5;
  options.max_width = 1280;
  options.rtsp_transport = "udp";
  options.ffmpeg_bin = "/usr/bin/ffmpeg";
  const auto joined_args = [](const std::string& url, const SourceOptions& options, bool skip_references) {
    std::string joined;
    for (const auto& arg : FfmpegProcessSource::build_args(url, options, skip_references)) joined += arg + " ";
    return joined;
  };
  const auto args = FfmpegProcessSource::build_args("rtsp://h/s", options, /*skip_references=*/false);
  std::string joined = joined_args("rtsp://h/s", options, false);
  EXPECT_EQ(args.front(), "/usr/bin/ffmpeg");
  EXPECT_NE(joined.find(" -threads 1 -filter_threads 1 "), std::string::npos) << joined;
  EXPECT_NE(joined.find("-rtsp_transport udp -timeout 10000000 -i rtsp://h/s"), std::string::npos) << joined;
  EXPECT_NE(joined.find("-vf fps=2.5,scale=w='min(iw,1280)':h=-2:flags=bilinear,format=bgr24 "), std::string::npos)
      << joined;
  EXPECT_NE(joined.find("-f rawvideo -pix_fmt bgr24 pipe:1"), std::string::npos) << joined;
  EXPECT_EQ(joined.find("skip_frame"), std::string::npos) << joined;
  // Skipping: the decoder option on the input, one showinfo line per decoded frame before fps.
  joined = joined_args("rtsp://h/s", options, true);
  EXPECT_NE(joined.find("-skip_frame noref -i rtsp://h/s"), std::string::npos) << joined;
  EXPECT_NE(joined.find("-vf showinfo=checksum=0,fps=2.5,scale="), std::string::npos) << joined;
  // Every frame wanted: nothing to skip.
  options.target_fps = 0;
  EXPECT_EQ(joined_args("rtsp://h/s", options, true).find("skip_frame"), std::string::npos);
  options.target_fps = 2.5;
  options.rtsp_transport = "auto";
  options.realtime = true;
  joined = joined_args("/x.mp4", options, false);
  EXPECT_EQ(joined.find("-rtsp_transport"), std::string::npos) << joined;
  EXPECT_EQ(joined.find("-timeout"), std::string::npos) << joined;
  EXPECT_NE(joined.find("-re -i /x.mp4"), std::string::npos) << joined;
}

TEST(FfmpegProcessSource, KeepsPasswordsOffTheCommandLine) {
  SourceOptions options;
  options.rtsp_transport = "tcp";
  const std::string url = "rtsp://admin:it's-s3cret@10.0.0.5/stream1";
  std::string joined;
  for (const auto& arg : FfmpegProcessSource::build_args(url, options, true)) joined += arg + " ";
  EXPECT_EQ(joined.find("s3cret"), std::string::npos) << joined;
  EXPECT_NE(joined.find("-f concat -safe 0 -protocol_whitelist "), std::string::npos) << joined;
  EXPECT_NE(joined.find(" -i pipe:3 "), std::string::npos) << joined;
  EXPECT_EQ(FfmpegProcessSource::concat_list(url, options),
            "ffconcat version 1.0\nfile 'rtsp://admin:it'\\''s-s3cret@10.0.0.5/stream1'\n"
            "option rtsp_transport tcp\noption timeout 10000000\n");
  EXPECT_EQ(FfmpegProcessSource::concat_list("rtsp://10.0.0.5/stream1", options), "");
}

TEST(FfmpegProcessSource, ReportsAMissingProgram) {
  FfmpegProcessSource source;
  SourceOptions options;
  options.ffmpeg_bin = "/nonexistent/ffmpeg";
  std::stop_source stop;
  EXPECT_FALSE(source.open((test_media_dir() / "x.mp4").string(), options, stop.get_token()));
  EXPECT_FALSE(source.error().empty());
  EXPECT_TRUE(ffmpeg_children(getpid()).empty());
}

// SIGKILL of the process owning the source: PR_SET_PDEATHSIG kills its ffmpeg.
TEST(FfmpegProcessSource, NoFfmpegOutlivesAKilledRunner) {
  const std::string file = lavfi_video("testsrc720.mp4", "testsrc=size=1280x720:rate=25", 4);
  ASSERT_FALSE(file.empty());
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t runner = fork();
  if (runner == 0) {
    ::close(report[0]);
    FfmpegProcessSource source;
    SourceOptions options;
    options.realtime = true;
    options.loop = true;
    std::stop_source stop;
    pid_t child = -1;
    if (source.open(file, options, stop.get_token())) child = source.child_pid();
    if (write(report[1], &child, sizeof child) != sizeof child) _exit(1);
    Frame frame;
    while (true) source.read(frame, 1s);
  }
  ::close(report[1]);
  pid_t ffmpeg = -1;
  pollfd poll_fd{report[0], POLLIN, 0};
  ASSERT_EQ(poll(&poll_fd, 1, 15000), 1);
  ASSERT_EQ(::read(report[0], &ffmpeg, sizeof ffmpeg), static_cast<ssize_t>(sizeof ffmpeg));
  ::close(report[0]);
  ASSERT_GT(ffmpeg, 0);
  EXPECT_TRUE(process_alive(ffmpeg));
  std::this_thread::sleep_for(500ms);
  kill(runner, SIGKILL);
  int status = 0;
  waitpid(runner, &status, 0);
  const auto deadline = Clock::now() + 5s;
  while (process_alive(ffmpeg) && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(process_alive(ffmpeg)) << "ffmpeg " << ffmpeg << " outlived its runner";
  if (process_alive(ffmpeg)) kill(ffmpeg, SIGKILL);
}

double cpu_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// --- ffmpeg_one decodes only what it needs ---

struct DecodeCount {
  long long decoded = 0;
  int delivered = 0;
  bool skipping_at_end = false;
};

DecodeCount decode_file(const std::string& file, double target_fps) {
  LibavSource source;
  SourceOptions options;
  options.target_fps = target_fps;
  options.max_width = 320;
  std::stop_source stop;
  DecodeCount count;
  if (!source.open(file, options, stop.get_token())) {
    ADD_FAILURE() << source.error();
    return count;
  }
  Frame frame;
  while (source.read(frame, 5s) == ReadStatus::kFrame) ++count.delivered;
  count.decoded = source.decoded();
  count.skipping_at_end = source.skipping_references();
  return count;
}

TEST(LibavSourceTest, SkipsNonReferenceFramesWhileThoseLeftAreEnough) {
  // libx264's defaults (B-pyramid): about half the frames are non-reference.
  const std::string file = lavfi_video("testsrc720.mp4", "testsrc=size=1280x720:rate=25", 4);
  ASSERT_FALSE(file.empty());
  const DecodeCount at5 = decode_file(file, 5);
  EXPECT_TRUE(at5.skipping_at_end);
  EXPECT_LT(at5.decoded, 70) << "of 100 frames";
  EXPECT_GE(at5.delivered, 19);  // the target is still met: 4 s at 5 fps
  EXPECT_LE(at5.delivered, 21);
  // Every frame wanted, or more than half of them: nothing skipped.
  const DecodeCount every = decode_file(file, 0);
  EXPECT_FALSE(every.skipping_at_end);
  EXPECT_EQ(every.decoded, 100);
  EXPECT_EQ(every.delivered, 100);
  const DecodeCount at15 = decode_file(file, 15);
  EXPECT_EQ(at15.decoded, 100);
  EXPECT_GE(at15.delivered, 59);
}

TEST(LibavSourceTest, AStreamWithoutBFramesIsDecodedWhole) {
  const std::string file = lavfi_video("testsrc360-no-b.mp4", "testsrc=size=640x360:rate=25", 4, "-bf 0");
  ASSERT_FALSE(file.empty());
  const DecodeCount at5 = decode_file(file, 5);
  EXPECT_EQ(at5.decoded, 100);
  EXPECT_GE(at5.delivered, 19);
  EXPECT_LE(at5.delivered, 21);
}

TEST(LibavSourceTest, SkippingStopsWhenTooFewReferenceFramesAreLeft) {
  // IBBBP without B-pyramid: 1 frame in 4 is a reference, 6.25 a second, below 1.5 x 5.
  const std::string file = lavfi_video("testsrc360-ibbbp.mp4", "testsrc=size=640x360:rate=25", 6,
                                       "-bf 3 -b_strategy 0 -x264-params b-pyramid=none");
  ASSERT_FALSE(file.empty());
  const DecodeCount at5 = decode_file(file, 5);
  EXPECT_FALSE(at5.skipping_at_end);
  // The first 2 s window decoded 1 in 4 (~13 of 50), everything after it (~100).
  EXPECT_GE(at5.decoded, 105) << "of 150 frames";
  EXPECT_LT(at5.decoded, 150);
  EXPECT_GE(at5.delivered, 29);  // 6 s at 5 fps, the first window included
  EXPECT_LE(at5.delivered, 31);
}

// --- ffmpeg_all: the same rule, judged on ffmpeg's report ---

struct ChildDecodeCount {
  int delivered = 0;
  long long decoded_while_skipping = 0;
  bool skipping_at_end = false;
  std::set<pid_t> children;
};

ChildDecodeCount decode_file_in_child(const std::string& file, double target_fps) {
  FfmpegProcessSource source;
  SourceOptions options;
  options.target_fps = target_fps;
  options.max_width = 320;
  std::stop_source stop;
  ChildDecodeCount count;
  if (!source.open(file, options, stop.get_token())) {
    ADD_FAILURE() << source.error();
    return count;
  }
  Frame frame;
  count.children.insert(source.child_pid());
  while (source.read(frame, 5s) == ReadStatus::kFrame) {
    ++count.delivered;
    count.children.insert(source.child_pid());
    if (count.delivered == 1 || count.delivered % 5 == 0) {
      // Never two ffmpeg processes at once, also across a restart (none is
      // fine: a short file's ffmpeg may have exited, its frames still in the pipe).
      EXPECT_LE(ffmpeg_children(getpid()).size(), 1u);
    }
  }
  count.decoded_while_skipping = source.frames_decoded_while_skipping();
  count.skipping_at_end = source.skipping_references();
  source.close();
  return count;
}

TEST(FfmpegProcessSource, SkipsNonReferenceFramesWhileThoseLeftAreEnough) {
  const std::string file = lavfi_video("testsrc720.mp4", "testsrc=size=1280x720:rate=25", 4);
  ASSERT_FALSE(file.empty());
  const ChildDecodeCount at5 = decode_file_in_child(file, 5);
  EXPECT_GT(at5.decoded_while_skipping, 30);  // ffmpeg did report its frames
  EXPECT_LT(at5.decoded_while_skipping, 70) << "of 100 frames";
  EXPECT_EQ(at5.children.size(), 1u);  // no restart
  EXPECT_GE(at5.delivered, 19);
  EXPECT_LE(at5.delivered, 21);
}

TEST(FfmpegProcessSource, RestartsWithoutSkippingWhenTooFewReferenceFramesAreLeft) {
  const std::string file = lavfi_video("testsrc360-ibbbp.mp4", "testsrc=size=640x360:rate=25", 6,
                                       "-bf 3 -b_strategy 0 -x264-params b-pyramid=none");
  ASSERT_FALSE(file.empty());
  const ChildDecodeCount at5 = decode_file_in_child(file, 5);
  EXPECT_FALSE(at5.skipping_at_end);
  EXPECT_EQ(at5.children.size(), 2u);  // one restart
  // A file is read again from its start by the second ffmpeg: its 30 frames
  // plus the ~10 of the first 2 s window.
  EXPECT_GE(at5.delivered, 35);
  EXPECT_LE(at5.delivered, 45);
}

TEST(FfmpegProcessSource, DoesNotSkipWhenTheNominalRateIsLessThanTwiceTheTarget) {
  const std::string file = lavfi_video("testsrc240-8fps.mp4", "testsrc=size=320x240:rate=8", 3);
  ASSERT_FALSE(file.empty());
  const ChildDecodeCount at5 = decode_file_in_child(file, 5);
  EXPECT_FALSE(at5.skipping_at_end);
  EXPECT_EQ(at5.decoded_while_skipping, 0);
  EXPECT_EQ(at5.children.size(), 2u);  // restarted as soon as ffmpeg described the input
  EXPECT_GE(at5.delivered, 14);        // 3 s at 5 fps, from the second ffmpeg
  EXPECT_LE(at5.delivered, 17);
}

// Not a test: the CPU (user + system, this process + its ffmpeg child) to
// decode a 10 s 1280x720 25 fps H.264 file at its own rate to 5 fps BGR, with
// each source (testsrc by default), against a bare `ffmpeg -re -i file -f null -`. Run with
//   runner_test --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_CpuOf*'
TEST(FrameSourceCpu, DISABLED_CpuOfDecodingTenSecondsAt5Fps) {
  // BISK_CPU_VIDEO=other.mp4 measures another file (a real camera recording).
  const char* other = std::getenv("BISK_CPU_VIDEO");
  const std::string file =
      other != nullptr ? other : lavfi_video("testsrc720-10s.mp4", "testsrc=size=1280x720:rate=25", 10);
  ASSERT_FALSE(file.empty());
  for (const std::string impl : {"ffmpeg_all", "ffmpeg_one"}) {
    auto source = make_frame_source(impl);
    SourceOptions options;
    options.target_fps = 5;
    options.max_width = 1280;
    options.realtime = true;
    std::stop_source stop;
    const double self0 = cpu_seconds(RUSAGE_SELF);
    const double children0 = cpu_seconds(RUSAGE_CHILDREN);
    const auto start = Clock::now();
    ASSERT_TRUE(source->open(file, options, stop.get_token())) << source->error();
    int frames = 0;
    Frame frame;
    while (source->read(frame, 5s) == ReadStatus::kFrame) ++frames;
    source->close();
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    const double self = cpu_seconds(RUSAGE_SELF) - self0;
    const double child = cpu_seconds(RUSAGE_CHILDREN) - children0;
    std::cout << impl << ": " << frames << " frames in " << wall << " s wall; CPU " << self + child << " s (runner "
              << self << " s + ffmpeg " << child << " s) = " << 100 * (self + child) / wall << " % of one core\n";
  }
  const double children0 = cpu_seconds(RUSAGE_CHILDREN);
  const auto start = Clock::now();
  ASSERT_EQ(std::system(("ffmpeg -hide_banner -loglevel error -nostdin -re -i '" + file + "' -f null -").c_str()), 0);
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double child = cpu_seconds(RUSAGE_CHILDREN) - children0;
  std::cout << "bare ffmpeg -re -f null: " << wall << " s wall; CPU " << child << " s = " << 100 * child / wall
            << " % of one core\n";
}

}  // namespace
}  // namespace bisk

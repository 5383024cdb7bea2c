#include "runner/runner_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bisk {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

RunnerOptions valid() {
  RunnerOptions options;
  options.impl = "ffmpeg_all";
  options.camera_id = 3;
  options.profile_id = 2;
  options.fps = 5;
  options.heartbeat_url = "http://127.0.0.1:8000/api/runner/heartbeat/";
  options.snapshot_dir = "/var/lib/bisk/media/snapshots";
  options.stream_url = "rtsp://user:pass@10.0.0.5/stream1";
  options.heartbeat_key = "k";
  return options;
}

TEST(RunnerOptionsTest, ValidOptionsHaveNoProblem) { EXPECT_THAT(validate_runner_options(valid()), IsEmpty()); }

TEST(RunnerOptionsTest, DetSetIsTheDetectorWidth) {
  RunnerOptions options = valid();
  EXPECT_EQ(detector_width(options), 0);  // auto: one pass over the whole frame
  for (const char* width : {"320", "480", "640", "800", "1024"}) {
    options.det_set = width;
    EXPECT_EQ(detector_width(options), std::stoi(width));
  }
}

TEST(RunnerOptionsTest, EachBadValueIsNamedWithWhatIsAllowed) {
  struct Case {
    void (*change)(RunnerOptions&);
    const char* problem;
  };
  const Case cases[] = {
      {[](RunnerOptions& o) { o.impl = "opencv"; }, "--impl: must be ffmpeg_all or ffmpeg_one"},
      {[](RunnerOptions& o) { o.camera_id = 0; }, "--camera: must be a positive camera id"},
      {[](RunnerOptions& o) { o.fps = 0; }, "--fps: must be more than 0, at most 60"},
      {[](RunnerOptions& o) { o.fps = std::nan(""); }, "--fps: must be more than 0, at most 60"},
      {[](RunnerOptions& o) { o.det_set = "300"; }, "--det_set: must be auto, 320, 480, 640, 800 or 1024"},
      {[](RunnerOptions& o) { o.heartbeat_url = "127.0.0.1:8000"; },
       "--hb: must be the heartbeat URL, http://host:port/api/runner/heartbeat/"},
      {[](RunnerOptions& o) { o.rtsp_transport = "http"; }, "--rtsp_transport: must be auto, tcp or udp"},
      {[](RunnerOptions& o) { o.min_score = 1.5; }, "--min_score: must be from 0 to 1"},
      {[](RunnerOptions& o) { o.gpu_index = -1; }, "--gpu_index: must be 0 or more"},
      {[](RunnerOptions& o) { o.stream_url.clear(); },
       "BISK_RTSP_URL: the stream URL must be in the environment (or --rtsp URL for a manual run)"},
      {[](RunnerOptions& o) { o.heartbeat_key.clear(); },
       "BISK_HEARTBEAT_KEY: the heartbeat key must be in the environment"},
  };
  for (const Case& c : cases) {
    RunnerOptions options = valid();
    c.change(options);
    EXPECT_THAT(validate_runner_options(options), ElementsAre(c.problem));
  }
}

TEST(RunnerOptionsTest, EveryProblemIsReportedAtOnce) {
  RunnerOptions options = valid();
  options.impl = "x";
  options.profile_id = -1;
  options.hwaccel = "vaapi";
  EXPECT_EQ(validate_runner_options(options).size(), 3u);
}

}  // namespace
}  // namespace bisk

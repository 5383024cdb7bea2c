#include "web/operator_stream_probe.h"

#include <sys/stat.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_databases.h"

namespace bisk {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

constexpr std::chrono::seconds kTimeout(8);

// An executable shell script standing in for ffprobe.
std::string fake_ffprobe(const TempDir& dir, const std::string& body) {
  const std::string path = dir.file("ffprobe");
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  chmod(path.c_str(), 0755);
  return path;
}

TEST(StreamProbeTest, ReportsCodecSizeAndFrameRateOfARealFile) {
  TempDir dir;
  const std::string video = dir.file("clip.mp4");
  const std::string command =
      "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=5 -t 1 -pix_fmt yuv420p " + video;
  ASSERT_EQ(std::system(command.c_str()), 0);
  const Json result = probe_stream("ffprobe", "file://" + video, "auto", kTimeout);
  ASSERT_EQ(result["ok"], true) << result.dump();
  ASSERT_EQ(result["streams"].size(), 1u);
  const Json& stream = result["streams"][0];
  EXPECT_EQ(stream["codec_type"], "video");
  EXPECT_EQ(stream["width"], 160);
  EXPECT_EQ(stream["height"], 120);
  EXPECT_DOUBLE_EQ(stream["fps"].get<double>(), 5.0);
  EXPECT_FALSE(stream["codec"].get<std::string>().empty());
}

TEST(StreamProbeTest, AMissingFileIsAnErrorNotAnException) {
  TempDir dir;
  const Json result = probe_stream("ffprobe", "file://" + dir.file("nothing.mp4"), "auto", kTimeout);
  EXPECT_EQ(result["ok"], false);
  EXPECT_THAT(result["error"].get<std::string>(), HasSubstr("No such file"));
}

TEST(StreamProbeTest, ThePasswordIsNeitherOnTheCommandLineNorInTheError) {
  TempDir dir;
  // Echoes its arguments and the input list it was given, as a failing ffprobe quoting its input would.
  const std::string ffprobe = fake_ffprobe(dir,
                                           "echo \"args: $*\" >&2\n"
                                           "for last; do :; done\n"
                                           "cat \"$last\" >&2\n"
                                           "echo \"Impossible to open 'rtsp://admin:S3cret-pw@cam/s'\" >&2\n"
                                           "exit 1");
  const Json result = probe_stream(ffprobe, "rtsp://admin:S3cret-pw@cam/s", "tcp", kTimeout);
  EXPECT_EQ(result["ok"], false);
  const std::string error = result["error"];
  EXPECT_THAT(error, HasSubstr("rtsp://admin:***@cam/s"));
  EXPECT_THAT(error, Not(HasSubstr("S3cret-pw")));
}

TEST(StreamProbeTest, TheInputListCarriesTheUrlAndTheTransport) {
  TempDir dir;
  const std::string ffprobe = fake_ffprobe(dir, "echo \"$*\" > " + dir.file("args") +
                                                    "\n"
                                                    "for last; do :; done\n"
                                                    "cp \"$last\" " +
                                                    dir.file("list") + "\necho '{\"streams\":[]}'");
  const Json result = probe_stream(ffprobe, "rtsp://u:it's@cam/s", "tcp", kTimeout);
  EXPECT_EQ(result["ok"], true) << result.dump();
  std::ifstream args_file(dir.file("args"));
  const std::string args((std::istreambuf_iterator<char>(args_file)), {});
  EXPECT_THAT(args, Not(HasSubstr("cam/s")));
  std::ifstream list_file(dir.file("list"));
  const std::string list((std::istreambuf_iterator<char>(list_file)), {});
  EXPECT_EQ(list, "ffconcat version 1.0\nfile 'rtsp://u:it'\\''s@cam/s'\noption rtsp_transport tcp\n");
}

TEST(StreamProbeTest, ASilentFfprobeIsKilledAtTheTimeout) {
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  const Json result = probe_stream(fake_ffprobe(dir, "sleep 30"), "rtsp://cam/s", "auto", std::chrono::seconds(1));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(result, (Json{{"ok", false}, {"error", "timed out after 1 s"}}));
}

TEST(StreamProbeTest, AMissingBinaryIsNamed) {
  const Json result = probe_stream("/nonexistent/ffprobe", "rtsp://cam/s", "auto", kTimeout);
  EXPECT_EQ(result["ok"], false);
  EXPECT_THAT(result["error"].get<std::string>(), HasSubstr("'/nonexistent/ffprobe'"));
  EXPECT_THAT(result["error"].get<std::string>(), HasSubstr("BISK_FFPROBE_BIN"));
}

}  // namespace
}  // namespace bisk

#include "runner/snapshot_writer.h"
#include "runner/image_codec.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <opencv2/imgproc.hpp>

namespace bisk {
namespace {

using namespace std::chrono_literals;

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "bisk-snapshot-XXXXXX").string();
  return mkdtemp(pattern.data());
}

TEST(SnapshotWriter, NothingToWriteWithoutAFrame) {
  const auto dir = make_temp_dir();
  SnapshotWriter writer(dir, "7", 100ms, [] { return std::optional<Frame>(); });
  EXPECT_FALSE(writer.write_now());
  EXPECT_FALSE(std::filesystem::exists(writer.path()));
  std::filesystem::remove_all(dir);
}

TEST(SnapshotWriter, WritesTheLatestFrameAtomicallyEveryPeriod) {
  const auto dir = make_temp_dir();
  std::atomic<long long> sequence{0};
  // A detailed 1280x720 picture (a big JPEG, so a torn write would be likely to be seen).
  cv::Mat noise(720, 1280, CV_8UC3);
  cv::randu(noise, 0, 255);
  auto latest = [&]() -> std::optional<Frame> {
    Frame frame;
    frame.bgr = noise.clone();
    cv::putText(frame.bgr, std::to_string(sequence.load()), {100, 300}, cv::FONT_HERSHEY_SIMPLEX, 5, {0, 0, 255}, 8);
    frame.sequence = ++sequence;
    frame.decoded_at = std::chrono::steady_clock::now();
    return frame;
  };
  SnapshotWriter writer(dir, "12", 50ms, latest, 90);
  EXPECT_EQ(writer.path(), dir / "12.jpg");
  ASSERT_TRUE(writer.write_now()) << writer.error();

  std::atomic<bool> done{false};
  std::atomic<int> loads{0};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done) {
      std::ifstream in(writer.path(), std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const bool complete = bytes.size() > 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
                            static_cast<unsigned char>(bytes[1]) == 0xD8 &&
                            static_cast<unsigned char>(bytes[bytes.size() - 2]) == 0xFF &&
                            static_cast<unsigned char>(bytes[bytes.size() - 1]) == 0xD9;
      const cv::Mat image = decode_image(std::vector<unsigned char>(bytes.begin(), bytes.end()));
      if (!complete || image.cols != 1280 || image.rows != 720) ++bad;
      ++loads;
    }
  });
  // Run for at least 1.5 s and until the reader has looked at 20 snapshots (a sanitizer build
  // decodes slowly), bounded at 20 s.
  const auto started = std::chrono::steady_clock::now();
  writer.start();
  std::this_thread::sleep_for(1500ms);
  while (loads.load() <= 20 && std::chrono::steady_clock::now() - started < 20s) std::this_thread::sleep_for(50ms);
  writer.stop();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0) << "of " << loads.load() << " loads";
  EXPECT_GT(loads.load(), 20);
  // One every 50 ms (slow JPEG encodes may stretch the period): at most elapsed/50 ms + the first.
  const auto periods = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 50;
  EXPECT_GE(writer.written(), 10);
  EXPECT_LE(writer.written(), periods + 2);
  // Only the snapshot is left: no temporary files.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "12.jpg");
  }
  EXPECT_EQ(files, 1);
  std::filesystem::remove_all(dir);
}

TEST(SnapshotWriter, DoesNotRewriteTheSameFrame) {
  const auto dir = make_temp_dir();
  Frame frame;
  frame.bgr = cv::Mat(90, 160, CV_8UC3, cv::Scalar(0, 255, 0));
  frame.sequence = 1;
  SnapshotWriter writer(dir, "3", 1s, [&] { return std::optional<Frame>(frame); });
  EXPECT_TRUE(writer.write_now());
  EXPECT_FALSE(writer.write_now());
  EXPECT_EQ(writer.written(), 1);
  const cv::Mat back = read_image(writer.path());
  ASSERT_FALSE(back.empty());
  EXPECT_GT(back.at<cv::Vec3b>(45, 80)[1], 240);
  std::filesystem::remove_all(dir);
}

TEST(SnapshotWriter, ReportsAnUnwritableDirectory) {
  Frame frame;
  frame.bgr = cv::Mat(90, 160, CV_8UC3, cv::Scalar(0, 255, 0));
  frame.sequence = 1;
  SnapshotWriter writer("/nonexistent/bisk", "3", 1s, [&] { return std::optional<Frame>(frame); });
  EXPECT_FALSE(writer.write_now());
  EXPECT_NE(writer.error().find("cannot write"), std::string::npos) << writer.error();
}

}  // namespace
}  // namespace bisk

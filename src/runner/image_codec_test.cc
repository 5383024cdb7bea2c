#include "runner/image_codec.h"

#include <png.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

namespace bisk {
namespace {

// Left half red, right half blue (BGR), `width` x `height`.
cv::Mat red_left_blue_right(int width, int height) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(255, 0, 0));
  image(cv::Rect(0, 0, width / 2, height)).setTo(cv::Scalar(0, 0, 255));
  return image;
}

bool is_red(const cv::Vec3b& bgr) { return bgr[2] > 200 && bgr[0] < 60 && bgr[1] < 60; }
bool is_blue(const cv::Vec3b& bgr) { return bgr[0] > 200 && bgr[2] < 60 && bgr[1] < 60; }

// A JPEG with an APP1 Exif segment (little-endian TIFF, IFD0 holding only the
// orientation tag) right after its SOI marker.
std::vector<unsigned char> with_orientation(std::vector<unsigned char> jpeg, int orientation) {
  const unsigned char app1[] = {
      0xFF,
      0xE1,
      0x00,
      34,  // APP1, length 34 (itself included)
      'E',
      'x',
      'i',
      'f',
      0,
      0,  // Exif header
      'I',
      'I',
      42,
      0,
      8,
      0,
      0,
      0,  // TIFF: little endian, IFD0 at 8
      1,
      0,  // one entry
      0x12,
      0x01,
      3,
      0,
      1,
      0,
      0,
      0,  // tag 0x0112 SHORT, count 1
      static_cast<unsigned char>(orientation),
      0,
      0,
      0,  // the value
      0,
      0,
      0,
      0,  // no next IFD
  };
  jpeg.insert(jpeg.begin() + 2, std::begin(app1), std::end(app1));
  return jpeg;
}

TEST(ImageCodecTest, JpegRoundTripKeepsSizeAndColourOrder) {
  const cv::Mat image = red_left_blue_right(64, 32);
  const std::vector<unsigned char> jpeg = encode_jpeg(image, 95);
  ASSERT_GT(jpeg.size(), 100u);
  EXPECT_EQ(jpeg[0], 0xFF);
  EXPECT_EQ(jpeg[1], 0xD8);
  const cv::Mat back = decode_image(jpeg);
  ASSERT_EQ(back.type(), CV_8UC3);
  ASSERT_EQ(back.size(), image.size());
  EXPECT_TRUE(is_red(back.at<cv::Vec3b>(16, 8)));
  EXPECT_TRUE(is_blue(back.at<cv::Vec3b>(16, 56)));
  // Quality matters: the same image is smaller at 20.
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  EXPECT_LT(encode_jpeg(noise, 20).size(), encode_jpeg(noise, 95).size());
}

TEST(ImageCodecTest, GreyJpegsDecodeAsBgr) {
  cv::Mat grey(20, 30, CV_8UC1, cv::Scalar(120));
  const cv::Mat back = decode_image(encode_jpeg(grey, 90));
  ASSERT_EQ(back.type(), CV_8UC3);
  const cv::Vec3b pixel = back.at<cv::Vec3b>(10, 15);
  EXPECT_NEAR(pixel[0], 120, 3);
  EXPECT_EQ(pixel[0], pixel[1]);
  EXPECT_EQ(pixel[1], pixel[2]);
}

TEST(ImageCodecTest, AnEncodedRegionOfALargerImageIsJustTheRegion) {
  // Crops are views with a stride wider than their rows.
  const cv::Mat image = red_left_blue_right(100, 40);
  const cv::Mat region = image(cv::Rect(60, 10, 30, 20));  // all blue
  ASSERT_FALSE(region.isContinuous());
  const cv::Mat back = decode_image(encode_jpeg(region, 90));
  ASSERT_EQ(back.size(), cv::Size(30, 20));
  EXPECT_TRUE(is_blue(back.at<cv::Vec3b>(10, 15)));
}

TEST(ImageCodecTest, ExifOrientationIsApplied) {
  const std::vector<unsigned char> jpeg = encode_jpeg(red_left_blue_right(64, 32), 95);
  // 1: as stored.
  cv::Mat image = decode_image(with_orientation(jpeg, 1));
  ASSERT_EQ(image.size(), cv::Size(64, 32));
  EXPECT_TRUE(is_red(image.at<cv::Vec3b>(16, 8)));
  // 6: turn 90 degrees clockwise to view: the left half becomes the top.
  image = decode_image(with_orientation(jpeg, 6));
  ASSERT_EQ(image.size(), cv::Size(32, 64));
  EXPECT_TRUE(is_red(image.at<cv::Vec3b>(8, 16)));
  EXPECT_TRUE(is_blue(image.at<cv::Vec3b>(56, 16)));
  // 8: counter-clockwise: the left half becomes the bottom.
  image = decode_image(with_orientation(jpeg, 8));
  ASSERT_EQ(image.size(), cv::Size(32, 64));
  EXPECT_TRUE(is_blue(image.at<cv::Vec3b>(8, 16)));
  EXPECT_TRUE(is_red(image.at<cv::Vec3b>(56, 16)));
  // 3: upside down: left and right swap. 2: mirrored: the same.
  for (const int orientation : {2, 3}) {
    image = decode_image(with_orientation(jpeg, orientation));
    ASSERT_EQ(image.size(), cv::Size(64, 32));
    EXPECT_TRUE(is_blue(image.at<cv::Vec3b>(16, 8))) << orientation;
    EXPECT_TRUE(is_red(image.at<cv::Vec3b>(16, 56))) << orientation;
  }
  // Nonsense values are ignored.
  image = decode_image(with_orientation(jpeg, 77));
  ASSERT_EQ(image.size(), cv::Size(64, 32));
  EXPECT_TRUE(is_red(image.at<cv::Vec3b>(16, 8)));
}

std::vector<unsigned char> png_of(const void* pixels, int width, int height, png_uint_32 format) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = format;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_get_memory_size(image, size, 0, pixels, 0, nullptr));
  std::vector<unsigned char> out(size);
  EXPECT_TRUE(png_image_write_to_memory(&image, out.data(), &size, 0, pixels, 0, nullptr));
  out.resize(size);
  return out;
}

TEST(ImageCodecTest, PngsOfEveryKindDecodeAsBgr) {
  // RGB: red stays red.
  const unsigned char rgb[] = {255, 0, 0, 0, 0, 255};  // red, blue
  cv::Mat image = decode_image(png_of(rgb, 2, 1, PNG_FORMAT_RGB));
  ASSERT_EQ(image.type(), CV_8UC3);
  ASSERT_EQ(image.size(), cv::Size(2, 1));
  EXPECT_TRUE(is_red(image.at<cv::Vec3b>(0, 0)));
  EXPECT_TRUE(is_blue(image.at<cv::Vec3b>(0, 1)));
  // Grey, and RGBA (alpha dropped).
  const unsigned char grey[] = {10, 200};
  image = decode_image(png_of(grey, 2, 1, PNG_FORMAT_GRAY));
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_NEAR(image.at<cv::Vec3b>(0, 1)[1], 200, 1);
  const unsigned char rgba[] = {255, 0, 0, 255, 0, 0, 255, 255};
  image = decode_image(png_of(rgba, 2, 1, PNG_FORMAT_RGBA));
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_TRUE(is_red(image.at<cv::Vec3b>(0, 0)));
}

TEST(ImageCodecTest, ReadsTheDebianTestPhotos) {
  const char* env = std::getenv("BISK_ASSETS_DIR");
  const std::filesystem::path media = std::filesystem::path(env && *env ? env : BISK_ASSETS_DIR) / "media";
  if (!std::filesystem::exists(media / "astronaut.png")) GTEST_SKIP() << "no test media (scripts/fetch_assets.sh)";
  const cv::Mat jpeg = read_image(media / "grace_hopper_512x512.jpg");
  ASSERT_EQ(jpeg.size(), cv::Size(512, 512));
  const cv::Mat png = read_image(media / "astronaut.png");
  ASSERT_FALSE(png.empty());
  EXPECT_EQ(png.type(), CV_8UC3);
  cv::Scalar mean, stddev;
  cv::meanStdDev(png, mean, stddev);
  EXPECT_GT(stddev[0], 20);  // a photo, not a blank
  EXPECT_TRUE(read_image(media / "does-not-exist.jpg").empty());
}

TEST(ImageCodecTest, BadBytesGiveAnEmptyImageNeverACrash) {
  EXPECT_TRUE(decode_image({}).empty());
  const std::vector<unsigned char> text = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_TRUE(decode_image(text).empty());
  std::vector<unsigned char> fake_jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0, 2};
  EXPECT_TRUE(decode_image(fake_jpeg).empty());
  std::vector<unsigned char> fake_png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0};
  EXPECT_TRUE(decode_image(fake_png).empty());
  // Random bytes behind a JPEG signature, many times.
  std::mt19937 random(3);
  for (int i = 0; i < 200; ++i) {
    std::vector<unsigned char> junk(3 + random() % 2000);
    for (auto& byte : junk) byte = static_cast<unsigned char>(random());
    junk[0] = 0xFF, junk[1] = 0xD8, junk[2] = 0xFF;
    const cv::Mat image = decode_image(junk);
    if (!image.empty()) {
      EXPECT_EQ(image.type(), CV_8UC3);
    }
  }
  // A truncated JPEG: decoded as far as it goes (as cv::imread does), never a crash.
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  std::vector<unsigned char> jpeg = encode_jpeg(noise, 90);
  jpeg.resize(jpeg.size() / 2);
  const cv::Mat half = decode_image(jpeg);
  if (!half.empty()) {
    EXPECT_EQ(half.size(), cv::Size(64, 64));
  }
}

TEST(ImageCodecTest, AHugeDeclaredSizeIsRefusedBeforeAllocating) {
  std::vector<unsigned char> jpeg = encode_jpeg(red_left_blue_right(16, 16), 90);
  // The baseline frame header (FF C0): length(2) precision(1) height(2) width(2).
  bool patched = false;
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
      jpeg[i + 5] = jpeg[i + 7] = 0xFF;  // 65,535 x 65,535: 4.3 gigapixels
      jpeg[i + 6] = jpeg[i + 8] = 0xFF;
      patched = true;
      break;
    }
  }
  ASSERT_TRUE(patched);
  EXPECT_TRUE(decode_image(jpeg).empty());
}

TEST(ImageCodecTest, EncodingRefusesWhatIsNotAnImage) {
  EXPECT_THROW(encode_jpeg(cv::Mat(), 90), std::invalid_argument);
  EXPECT_THROW(encode_jpeg(cv::Mat(4, 4, CV_8UC4, cv::Scalar::all(0)), 90), std::invalid_argument);
  EXPECT_THROW(encode_jpeg(cv::Mat(4, 4, CV_32FC3, cv::Scalar::all(0)), 90), std::invalid_argument);
}

}  // namespace
}  // namespace bisk

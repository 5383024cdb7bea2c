#include "runner/photo_quality.h"
#include "runner/image_codec.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "runner/face_matcher.h"

namespace bisk {
namespace {

std::string assets_dir() {
  if (const char* env = std::getenv("BISK_ASSETS_DIR"); env != nullptr && *env != '\0') return env;
  return BISK_ASSETS_DIR;
}

cv::Mat media(const std::string& name) {
  const std::string path = assets_dir() + "/media/" + name;
  cv::Mat image = read_image(path);
  if (image.empty()) throw std::runtime_error("cannot read " + path);
  return image;
}

cv::Mat scaled(const cv::Mat& image, double factor) {
  cv::Mat out;
  cv::resize(image, out, cv::Size(), factor, factor, factor < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

class PhotoQualityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::filesystem::exists(assets_dir() + "/models")) {
      pipeline_ = std::make_unique<FacePipeline>(assets_dir() + "/models");
    }
  }
  static void TearDownTestSuite() { pipeline_.reset(); }
  void SetUp() override {
    if (!pipeline_) {
      GTEST_SKIP() << "face models not found in " << assets_dir()
                   << "/models: run scripts/fetch_assets.sh (or set BISK_ASSETS_DIR)";
    }
  }
  static PhotoQuality check(const cv::Mat& image, const char* what) {
    PhotoQuality q = check_enrollment_photo(*pipeline_, image);
    std::cout << "[photo] " << what << ": " << to_string(q.problem) << ", faces " << q.faces << ", face " << q.face_px
              << " px, sharpness " << q.sharpness << (q.reason.empty() ? "" : " - ") << q.reason << "\n";
    return q;
  }
  static inline std::unique_ptr<FacePipeline> pipeline_;
};

TEST_F(PhotoQualityTest, AcceptsAClearPortraitWithItsEmbedding) {
  const PhotoQuality q = check(media("grace_hopper_512x512.jpg"), "grace_hopper");
  EXPECT_TRUE(q.ok()) << q.reason;
  EXPECT_TRUE(q.reason.empty());
  EXPECT_EQ(q.faces, 1);
  ASSERT_TRUE(q.face);
  EXPECT_EQ(q.face->embedding.size(), 512u);
  EXPECT_GE(q.sharpness, PhotoQualityOptions().min_sharpness);
  // The template is what live recognition computes for the same picture.
  const FacePipeline::Result live = pipeline_->process(media("grace_hopper_512x512.jpg"), 40);
  ASSERT_EQ(live.faces.size(), 1u);
  EXPECT_NEAR(cosine_similarity(q.face->embedding, live.faces[0].embedding), 1.0, 1e-5);
  EXPECT_TRUE(check(media("astronaut.png"), "astronaut").ok());
}

TEST_F(PhotoQualityTest, NoFace) {
  const PhotoQuality baboon = check(media("baboon.jpg"), "baboon");
  EXPECT_EQ(baboon.problem, PhotoProblem::kNoFace);
  EXPECT_NE(baboon.reason.find("no face"), std::string::npos);
  EXPECT_FALSE(baboon.face);
  const PhotoQuality blank = check(cv::Mat(480, 640, CV_8UC3, cv::Scalar(200, 200, 200)), "blank");
  EXPECT_EQ(blank.problem, PhotoProblem::kNoFace);
}

TEST_F(PhotoQualityTest, TooSmall) {
  // messi5's face is about 30 px; grace_hopper scaled down to a ~50 px face.
  const PhotoQuality messi = check(media("messi5.jpg"), "messi5");
  EXPECT_EQ(messi.problem, PhotoProblem::kTooSmall);
  EXPECT_NE(messi.reason.find("too small"), std::string::npos);
  const PhotoQuality small = check(scaled(media("grace_hopper_512x512.jpg"), 0.25), "grace_hopper at 1/4");
  EXPECT_EQ(small.problem, PhotoProblem::kTooSmall);
  EXPECT_LT(small.face_px, 80);
}

TEST_F(PhotoQualityTest, TooBlurry) {
  const cv::Mat grace = media("grace_hopper_512x512.jpg");
  for (double sigma : {2.0, 4.0, 6.0}) {
    cv::Mat blurred;
    cv::GaussianBlur(grace, blurred, cv::Size(0, 0), sigma);
    const std::string what = "grace_hopper, GaussianBlur sigma " + std::to_string(static_cast<int>(sigma));
    const PhotoQuality q = check(blurred, what.c_str());
    if (sigma >= 4.0) {
      EXPECT_EQ(q.problem, PhotoProblem::kTooBlurry) << what;
      EXPECT_NE(q.reason.find("blurry"), std::string::npos);
    }
  }
}

TEST_F(PhotoQualityTest, SeveralFacesOfSimilarSize) {
  const cv::Mat grace = media("grace_hopper_512x512.jpg");
  const cv::Mat astronaut = media("astronaut.png");
  // The astronaut's face (about 90 px) doubled to about Grace Hopper's size.
  const cv::Mat astronaut_close = scaled(astronaut, 2.0)(cv::Rect(192, 0, 512, 512));
  cv::Mat pair(512, 1024, CV_8UC3);
  grace.copyTo(pair(cv::Rect(0, 0, 512, 512)));
  astronaut_close.copyTo(pair(cv::Rect(512, 0, 512, 512)));
  const PhotoQuality q = check(pair, "grace_hopper + astronaut side by side");
  EXPECT_EQ(q.problem, PhotoProblem::kSeveralFaces);
  EXPECT_EQ(q.faces, 2);
  EXPECT_NE(q.reason.find("several faces"), std::string::npos) << q.reason;
  EXPECT_FALSE(q.face);
  // A much smaller second face (a passer-by) does not block the largest one.
  cv::Mat with_small(512, 768, CV_8UC3, cv::Scalar(90, 100, 110));
  grace.copyTo(with_small(cv::Rect(0, 0, 512, 512)));
  scaled(astronaut, 0.4).copyTo(with_small(cv::Rect(540, 100, 205, 205)));
  const PhotoQuality one = check(with_small, "grace_hopper + small astronaut");
  EXPECT_EQ(one.faces, 2);
  EXPECT_TRUE(one.ok()) << one.reason;
}

TEST(LaplacianVarianceTest, FallsWithBlur) {
  cv::Mat noise(112, 112, CV_8UC3);
  cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::Mat blurred;
  cv::GaussianBlur(noise, blurred, cv::Size(0, 0), 3);
  EXPECT_GT(laplacian_variance(noise), 10 * laplacian_variance(blurred));
  EXPECT_EQ(laplacian_variance(cv::Mat(50, 50, CV_8UC3, cv::Scalar(7, 7, 7))), 0);
}

}  // namespace
}  // namespace bisk

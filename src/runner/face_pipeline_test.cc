// The recognition core on real models and real pictures (scripts/fetch_assets.sh
// puts them in BISK_ASSETS_DIR). The score distributions are printed so they
// can be quoted; the thresholds asserted leave a wide margin around them.
#include "runner/face_pipeline.h"
#include "runner/image_codec.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "runner/face_matcher.h"
#include "runner/face_recognizer.h"

namespace bisk {
namespace {

// Same person, transformed: well above; different people: well below.
constexpr float kSamePerson = 0.6f;
constexpr float kDifferentPeople = 0.35f;

std::string assets_dir() {
  if (const char* env = std::getenv("BISK_ASSETS_DIR"); env != nullptr && *env != '\0') return env;
  return BISK_ASSETS_DIR;
}
std::string model_dir() { return assets_dir() + "/models"; }

cv::Mat media(const std::string& name) {
  const std::string path = assets_dir() + "/media/" + name;
  cv::Mat image = read_image(path);
  if (image.empty()) throw std::runtime_error("cannot read " + path);
  return image;
}

// The BGR frame a decoder (libav + sws_scale to BGR24) would hand over for
// this picture: through 4:2:0 YUV and back.
cv::Mat through_yuv420(const cv::Mat& bgr) {
  cv::Mat even = bgr(cv::Rect(0, 0, bgr.cols & ~1, bgr.rows & ~1)).clone();
  cv::Mat yuv;
  cv::Mat back;
  cv::cvtColor(even, yuv, cv::COLOR_BGR2YUV_I420);
  cv::cvtColor(yuv, back, cv::COLOR_YUV2BGR_I420);
  return back;
}

cv::Mat swap_rb(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat in_canvas(const cv::Mat& image, cv::Size canvas_size, cv::Point at, double scale) {
  cv::Mat canvas(canvas_size, CV_8UC3, cv::Scalar(90, 100, 110));
  cv::Mat scaled;
  cv::resize(image, scaled, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  scaled.copyTo(canvas(cv::Rect(at, scaled.size())));
  return canvas;
}

cv::Mat rotated(const cv::Mat& image, double degrees) {
  const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(image.cols / 2.0f, image.rows / 2.0f), degrees, 1.0);
  cv::Mat out;
  cv::warpAffine(image, out, m, image.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

class FacePipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(model_dir())) return;
    FacePipelineOptions options;
    options.threads = 2;
    pipeline_ = std::make_unique<FacePipeline>(model_dir(), options);
    grace_ = media("grace_hopper_512x512.jpg");
    const FacePipeline::Result result = pipeline_->process(grace_, 40);
    if (result.faces.size() == 1) grace_embedding_ = result.faces[0].embedding;
  }
  static void TearDownTestSuite() { pipeline_.reset(); }

  void SetUp() override {
    if (!pipeline_) {
      GTEST_SKIP() << "face models not found in " << model_dir()
                   << ": run scripts/fetch_assets.sh (or set BISK_ASSETS_DIR)";
    }
    ASSERT_EQ(grace_embedding_.size(), 512u) << "grace_hopper gave no single face";
  }

  // The embedding of the only face in `image` (messi5's is 30 px); fails otherwise.
  static std::vector<float> only_face(const cv::Mat& image, const char* what) {
    const FacePipeline::Result result = pipeline_->process(image, 20);
    EXPECT_EQ(result.faces.size(), 1u) << what;
    if (result.faces.empty()) return {};
    return result.faces[0].embedding;
  }

  static inline std::unique_ptr<FacePipeline> pipeline_;
  static inline cv::Mat grace_;
  static inline std::vector<float> grace_embedding_;
};

TEST_F(FacePipelineTest, DetectsOneFaceOnPortraitsAndNoneOnTheBaboon) {
  // camera.png ("cameraman") shows a man too: one face, small and turned.
  for (const char* name : {"grace_hopper_512x512.jpg", "messi5.jpg", "astronaut.png", "camera.png"}) {
    const cv::Mat image = media(name);
    const std::vector<DetectedFace> faces = pipeline_->detector().detect(image);
    std::cout << "[detect] " << name << " " << image.cols << "x" << image.rows << ": " << faces.size() << " face(s)";
    for (const DetectedFace& f : faces) {
      std::cout << " score=" << f.score << " box=" << f.box.x << "," << f.box.y << " " << f.box.width << "x"
                << f.box.height;
    }
    std::cout << "\n";
    EXPECT_EQ(faces.size(), 1u) << name;
  }
  const std::vector<DetectedFace> baboon = pipeline_->detector().detect(media("baboon.jpg"));
  std::cout << "[detect] baboon.jpg: " << baboon.size() << " face(s)\n";
  EXPECT_TRUE(baboon.empty());
  const cv::Mat blank(480, 640, CV_8UC3, cv::Scalar(128, 128, 128));
  EXPECT_TRUE(pipeline_->detector().detect(blank).empty());
}

TEST_F(FacePipelineTest, TheFaceBoxCoversTheFaceAndAlignmentPutsTheEyesOnTheTemplate) {
  const std::vector<DetectedFace> faces = pipeline_->detector().detect(grace_);
  ASSERT_EQ(faces.size(), 1u);
  // Grace Hopper's face is in the upper middle of the 512x512 portrait.
  const cv::Point2f centre = (faces[0].box.tl() + faces[0].box.br()) * 0.5f;
  EXPECT_GT(centre.x, 180);
  EXPECT_LT(centre.x, 330);
  EXPECT_GT(faces[0].box.width, 120);
  const FaceLandmarks68 landmarks = pipeline_->aligner().landmarks(grace_, faces[0].box);
  const FivePoints five = FaceAligner::five_points(landmarks);
  EXPECT_LT(five[0].x, five[1].x);  // left eye left of the right eye (image coordinates)
  EXPECT_LT(five[0].y, five[3].y);  // eyes above the mouth
  EXPECT_LT(five[1].y, five[4].y);
  for (const cv::Point2f& p : five) EXPECT_TRUE(faces[0].box.contains(p)) << p;
  const cv::Mat aligned = pipeline_->aligner().align(grace_, faces[0].box);
  ASSERT_EQ(aligned.size(), cv::Size(112, 112));
  EXPECT_EQ(aligned.type(), CV_8UC3);
}

TEST_F(FacePipelineTest, EmbeddingsAreUnitLength) {
  double norm = 0;
  for (float v : grace_embedding_) norm += static_cast<double>(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-4);
}

TEST_F(FacePipelineTest, SamePersonTransformedScoresHighOtherPeopleLow) {
  struct Case {
    const char* name;
    cv::Mat image;
  };
  cv::Mat shifted;
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 37, 0, 1, -23);
  cv::warpAffine(grace_, shifted, shift, grace_.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::Mat brighter;
  grace_.convertTo(brighter, -1, 1.25, 30);
  cv::Mat darker;
  grace_.convertTo(darker, -1, 0.6, 0);
  std::vector<unsigned char> jpeg;
  jpeg = encode_jpeg(grace_, 40);
  const std::vector<Case> same = {
      {"shifted 37,-23 px", shifted},
      {"scaled 0.5", in_canvas(grace_, grace_.size(), {128, 128}, 0.5)},
      {"scaled 1.6 (cropped)",
       [&] {
         cv::Mat big;
         cv::resize(grace_, big, cv::Size(), 1.6, 1.6);
         return big(cv::Rect(100, 40, 700, 640)).clone();
       }()},
      {"rotated +10", rotated(grace_, 10)},
      {"rotated -10", rotated(grace_, -10)},
      {"brightened x1.25+30", brighter},
      {"darkened x0.6", darker},
      {"jpeg q40", decode_image(jpeg)},
      {"1280x720 canvas, 0.6", in_canvas(grace_, {1280, 720}, {700, 200}, 0.6)},
      {"1280x720 canvas, through yuv420", through_yuv420(in_canvas(grace_, {1280, 720}, {150, 180}, 0.8))},
  };
  float lowest_same = 1;
  for (const Case& c : same) {
    const std::vector<float> e = only_face(c.image, c.name);
    if (e.empty()) continue;
    const float score = cosine_similarity(grace_embedding_, e);
    lowest_same = std::min(lowest_same, score);
    std::cout << "[similarity] grace_hopper vs " << std::left << std::setw(34) << c.name << std::right << std::fixed
              << std::setprecision(3) << score << "\n";
    EXPECT_GE(score, kSamePerson) << c.name;
  }
  float highest_other = -1;
  std::vector<std::pair<std::string, std::vector<float>>> people = {{"grace_hopper", grace_embedding_}};
  for (const char* name : {"messi5.jpg", "astronaut.png", "camera.png"}) {
    people.emplace_back(name, only_face(media(name), name));
  }
  for (size_t i = 0; i < people.size(); ++i) {
    for (size_t j = i + 1; j < people.size(); ++j) {
      if (people[i].second.empty() || people[j].second.empty()) continue;
      const float score = cosine_similarity(people[i].second, people[j].second);
      highest_other = std::max(highest_other, score);
      std::cout << "[similarity] " << people[i].first << " vs " << people[j].first << ": " << std::fixed
                << std::setprecision(3) << score << "\n";
      EXPECT_LT(score, kDifferentPeople);
    }
  }
  std::cout << "[similarity] lowest same-person " << lowest_same << ", highest different-people " << highest_other
            << "\n";
}

TEST_F(FacePipelineTest, TheSizeGateRejectsSmallFacesBeforeEmbedding) {
  // Grace Hopper's face scaled to about 30 px in a 640x480 frame.
  const std::vector<DetectedFace> full = pipeline_->detector().detect(grace_);
  ASSERT_EQ(full.size(), 1u);
  const double scale = 30.0 / FacePipeline::face_size(full[0]);
  const cv::Mat small = in_canvas(grace_, {640, 480}, {300, 200}, scale);
  const FacePipeline::Result gated = pipeline_->process(small, 40);
  std::cout << "[gate] face scaled to ~30 px: detected " << gated.detected << ", too_small " << gated.too_small << "\n";
  ASSERT_EQ(gated.detected, 1) << "the detector should still see the 30 px face";
  EXPECT_EQ(gated.too_small, 1);
  EXPECT_TRUE(gated.faces.empty());
  EXPECT_EQ(gated.timings.align_ms, 0);  // nothing aligned nor embedded
  EXPECT_EQ(gated.timings.embed_ms, 0);
  const FacePipeline::Result open = pipeline_->process(small, 20);
  EXPECT_EQ(open.too_small, 0);
  EXPECT_EQ(open.faces.size(), 1u);
}

// How small a face can be in a 1280x720 frame (the detector sees it at a
// quarter of its width) and what the embedding is worth at that size.
TEST_F(FacePipelineTest, FaceSizeRangeIn720pFrames) {
  const std::vector<DetectedFace> full = pipeline_->detector().detect(grace_);
  ASSERT_EQ(full.size(), 1u);
  for (int px : {24, 32, 40, 48, 64, 80, 120, 200}) {
    const double scale = px / FacePipeline::face_size(full[0]);
    const cv::Mat frame = through_yuv420(in_canvas(grace_, {1280, 720}, {500, 150}, scale));
    const FacePipeline::Result result = pipeline_->process(frame, 0);
    std::cout << "[size] face ~" << px << " px in 1280x720: ";
    if (result.faces.empty()) {
      std::cout << "not detected\n";
    } else {
      std::cout << "detected (score " << result.faces[0].detection.score << ", "
                << FacePipeline::face_size(result.faces[0].detection) << " px), similarity to the enrollment photo "
                << cosine_similarity(grace_embedding_, result.faces[0].embedding) << "\n";
    }
    if (px >= 48) {
      ASSERT_EQ(result.faces.size(), 1u) << px;
      EXPECT_GE(cosine_similarity(grace_embedding_, result.faces[0].embedding), kSamePerson) << px;
    }
  }
}

TEST(FaceDetectorTilesTest, OverlappingTilesCoverTheImageAtTheDetSetScale) {
  EXPECT_TRUE(FaceDetector::tiles({1280, 720}, 0).empty());
  EXPECT_TRUE(FaceDetector::tiles({1280, 720}, 320).empty());
  EXPECT_TRUE(FaceDetector::tiles({320, 240}, 320).empty());
  for (int det_width : {640, 800, 1024, 1280, 2048}) {
    const std::vector<cv::Rect> tiles = FaceDetector::tiles({1280, 720}, det_width);
    ASSERT_FALSE(tiles.empty());
    cv::Mat covered(720, 1280, CV_8U, cv::Scalar(0));
    for (const cv::Rect& t : tiles) {
      EXPECT_EQ(t & cv::Rect(0, 0, 1280, 720), t);
      EXPECT_NEAR(static_cast<double>(t.width) / t.height, 320.0 / 240.0, 0.01);  // no distortion
      EXPECT_NEAR(t.width, 320.0 * 1280 / det_width, 1);
      covered(t).setTo(1);
    }
    EXPECT_EQ(cv::countNonZero(covered), 1280 * 720) << det_width;
    std::cout << "[tiles] 1280x720, det_width " << det_width << ": " << tiles.size() << " tiles of " << tiles[0].width
              << "x" << tiles[0].height << "\n";
  }
}

TEST_F(FacePipelineTest, DetWidthFindsSmallFacesOnce) {
  const std::vector<DetectedFace> full = pipeline_->detector().detect(grace_);
  ASSERT_EQ(full.size(), 1u);
  for (int px : {24, 32, 40, 200}) {
    const double scale = px / FacePipeline::face_size(full[0]);
    // Across tile edges on purpose: the face straddles x = 480 (a tile edge for det_width 1280).
    const cv::Mat frame = through_yuv420(in_canvas(grace_, {1280, 720}, {440, px >= 100 ? 60 : 300}, scale));
    for (int det_width : {0, 640, 1280}) {
      const auto start = std::chrono::steady_clock::now();
      const FacePipeline::Result result = pipeline_->process(frame, 0, det_width);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::cout << "[det_width] face ~" << px << " px in 1280x720, det_width " << det_width << ": " << result.detected
                << " face(s)";
      if (!result.faces.empty()) {
        std::cout << ", similarity " << cosine_similarity(grace_embedding_, result.faces[0].embedding);
      }
      std::cout << ", detect " << result.timings.detect_ms << " ms, total " << ms << " ms\n";
      EXPECT_LE(result.detected, 1) << "duplicates at " << px << " px, det_width " << det_width;
      if (px >= 32 && det_width == 1280) {
        EXPECT_EQ(result.detected, 1) << px;
      }
      if (px == 200) {
        EXPECT_EQ(result.detected, 1) << det_width;
      }
      if (px <= 32 && det_width == 0) {
        EXPECT_EQ(result.detected, 0) << "one pass should miss " << px << " px";
      }
    }
  }
}

// Colour order: the models want RGB and get it from BGR input through
// swapRB=true in the blob calls. Enrollment (read_image) and live frames (BGR
// from the decoder) therefore take the same path; a frame handed over as RGB
// (the original's ffmpeg_all defect) scores visibly lower.
TEST_F(FacePipelineTest, ColourOrderIsBgrEverywhere) {
  // Live frame: the enrollment photo in a 1280x720 frame through 4:2:0, BGR.
  const cv::Mat live = through_yuv420(in_canvas(grace_, {1280, 720}, {400, 100}, 1.0));
  const std::vector<float> live_bgr = only_face(live, "live BGR frame");
  const std::vector<float> live_rgb = only_face(swap_rb(live), "live frame as RGB");
  ASSERT_FALSE(live_bgr.empty());
  ASSERT_FALSE(live_rgb.empty());
  const float bgr_score = cosine_similarity(grace_embedding_, live_bgr);
  const float rgb_score = cosine_similarity(grace_embedding_, live_rgb);
  std::cout << "[colour] enrollment (read_image BGR) vs live BGR frame: " << bgr_score
            << "; vs the same frame as RGB: " << rgb_score << "\n";
  EXPECT_GE(bgr_score, 0.9f);
  EXPECT_LT(rgb_score, bgr_score - 0.01f);

  // The embedder alone: the same aligned crop with R and B swapped.
  const std::vector<DetectedFace> faces = pipeline_->detector().detect(grace_);
  ASSERT_EQ(faces.size(), 1u);
  const cv::Mat aligned = pipeline_->aligner().align(grace_, faces[0].box);
  const float crop_swapped =
      cosine_similarity(pipeline_->embedder().embed(aligned), pipeline_->embedder().embed(swap_rb(aligned)));
  std::cout << "[colour] aligned crop vs the same crop with R/B swapped: " << crop_swapped << "\n";
  EXPECT_LT(crop_swapped, 0.99f);

  // The detector: scores for the right and the swapped order, on the colour portraits.
  for (const char* name : {"grace_hopper_512x512.jpg", "messi5.jpg", "astronaut.png"}) {
    const cv::Mat image = media(name);
    FaceDetector loose(model_dir(), 0.3f);
    const auto right = loose.detect(image);
    const auto swapped = loose.detect(swap_rb(image));
    std::cout << "[colour] detector score " << name << ": BGR input " << (right.empty() ? 0 : right[0].score)
              << ", RGB input " << (swapped.empty() ? 0 : swapped[0].score) << "\n";
  }
}

TEST_F(FacePipelineTest, Timings) {
  const cv::Mat frame = through_yuv420(in_canvas(grace_, {1280, 720}, {400, 100}, 0.8));
  for (int threads : {1, 2}) {
    set_inference_threads(threads);
    FacePipeline::Timings total;
    double landmarks_ms = 0;
    constexpr int kRuns = 10;
    pipeline_->process(frame, 40);  // warm-up
    const std::clock_t cpu_start = std::clock();
    const auto wall_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRuns; ++i) {
      const FacePipeline::Result result = pipeline_->process(frame, 40);
      ASSERT_EQ(result.faces.size(), 1u);
      total.detect_ms += result.timings.detect_ms;
      total.align_ms += result.timings.align_ms;
      total.embed_ms += result.timings.embed_ms;
      const auto start = std::chrono::steady_clock::now();
      pipeline_->aligner().landmarks(frame, result.faces[0].detection.box);
      landmarks_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    }
    const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const double wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start).count();
    std::cout << std::fixed << std::setprecision(2) << "[timing] " << threads
              << " thread(s), 1280x720 frame, one face, mean of " << kRuns << ": detect " << total.detect_ms / kRuns
              << " ms, landmarks+align " << total.align_ms / kRuns << " ms (landmarks alone " << landmarks_ms / kRuns
              << " ms), embed " << total.embed_ms / kRuns << " ms; per frame " << wall_ms / kRuns << " ms wall, "
              << cpu_ms / kRuns << " ms CPU\n";
  }
  set_inference_threads(2);
}

// No GPU here: asking for CUDA must give the CPU, with the same results. On a
// machine whose OpenCV has a CUDA backend and a device, the first check says so.
TEST_F(FacePipelineTest, CudaFallsBackToTheCpuWithTheSameEmbeddings) {
  if (cuda_inference_available()) GTEST_SKIP() << "this machine can run cv::dnn on CUDA";
  EXPECT_EQ(pipeline_->device(), "cpu");
  FacePipelineOptions options;
  options.threads = 2;
  options.cuda = true;
  options.gpu_index = 0;
  FacePipeline on_cuda(model_dir(), options);
  EXPECT_EQ(on_cuda.device(), "cpu");
  const FacePipeline::Result result = on_cuda.process(grace_, 40);
  ASSERT_EQ(result.faces.size(), 1u);
  EXPECT_NEAR(cosine_similarity(grace_embedding_, result.faces[0].embedding), 1.0f, 1e-5f);
  EXPECT_EQ(select_inference_device(false, 0), "cpu");
}

TEST(FaceModelsTest, AMissingModelFileIsNamedWithHowToGetIt) {
  const std::string empty = ::testing::TempDir() + "/bisk-no-models";
  std::filesystem::create_directories(empty);
  try {
    FacePipeline pipeline(empty);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("fr_detect.onnx"), std::string::npos) << message;
    EXPECT_NE(message.find("scripts/fetch_assets.sh"), std::string::npos) << message;
    EXPECT_NE(message.find("faceplugin-face-recognition-js"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace bisk

namespace bisk {
namespace {

// The runner's per-frame recognition on the real models: Grace standing still
// in a 720p frame, against a gallery of her and one other person.
TEST_F(FacePipelineTest, TheRecognizerEmbedsAStillFaceOncePerRefreshAndAgainForANewGallery) {
  using namespace std::chrono_literals;
  const cv::Mat frame = through_yuv420(in_canvas(grace_, cv::Size(1280, 720), cv::Point(400, 150), 0.8));
  const std::vector<float> messi = only_face(media("messi5.jpg"), "messi5");
  auto gallery = std::make_shared<const FaceGallery>(std::vector<GalleryFace>{{7, grace_embedding_}, {8, messi}},
                                                     FaceEmbedder::kDimension);
  FaceRecognizer recognizer(*pipeline_, {40, 0, 0.5f, 0.1f, /*track=*/true});
  const FaceRecognizer::Clock::time_point start{};
  const auto at = [&](std::chrono::milliseconds t) { return recognizer.recognize(frame, gallery, start + t); };

  auto result = at(0ms);
  ASSERT_EQ(result.faces.size(), 1u);
  EXPECT_TRUE(result.faces[0].described);
  ASSERT_TRUE(result.faces[0].match);
  EXPECT_EQ(result.faces[0].match->student_id, 7);
  EXPECT_GT(result.counts.timings.embed_ms, 0);
  // 200 ms later, the same face: her answer again, no embedding.
  result = at(200ms);
  ASSERT_EQ(result.faces.size(), 1u);
  EXPECT_FALSE(result.faces[0].described);
  ASSERT_TRUE(result.faces[0].match);
  EXPECT_EQ(result.faces[0].match->student_id, 7);
  EXPECT_EQ(result.counts.timings.embed_ms, 0);
  EXPECT_FALSE(at(800ms).faces[0].described);
  EXPECT_TRUE(at(1000ms).faces[0].described);  // refreshed after 1 s
  // A new gallery (another student enrolled) voids the answer at once.
  gallery = std::make_shared<const FaceGallery>(*gallery);
  EXPECT_TRUE(at(1200ms).faces[0].described);
  EXPECT_FALSE(at(1400ms).faces[0].described);

  // Without tracking (the benchmark's reference pass) every frame is embedded.
  FaceRecognizer untracked(*pipeline_, {40, 0, 0.5f, 0.1f, /*track=*/false});
  for (const auto t : {0ms, 200ms, 400ms}) {
    const auto every = untracked.recognize(frame, gallery, start + t);
    ASSERT_EQ(every.faces.size(), 1u);
    EXPECT_TRUE(every.faces[0].described);
    ASSERT_TRUE(every.faces[0].match);
    EXPECT_EQ(every.faces[0].match->student_id, 7);
  }
}

}  // namespace
}  // namespace bisk

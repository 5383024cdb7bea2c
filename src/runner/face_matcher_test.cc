#include "runner/face_matcher.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include <gtest/gtest.h>

namespace bisk {
namespace {

using namespace std::chrono_literals;
using Clock = SightingCooldown::Clock;

// A unit vector in 4 dimensions at `degrees` from the x axis in the x/y plane:
// the cosine of two of them is cos(difference).
std::vector<float> at(double degrees) {
  const double r = degrees * M_PI / 180.0;
  return {static_cast<float>(std::cos(r)), static_cast<float>(std::sin(r)), 0, 0};
}

TEST(CosineSimilarityTest, IgnoresLengthAndRejectsMismatchedSizes) {
  EXPECT_NEAR(cosine_similarity(std::vector<float>{1, 0}, std::vector<float>{5, 0}), 1, 1e-6);
  EXPECT_NEAR(cosine_similarity(std::vector<float>{1, 0}, std::vector<float>{0, 2}), 0, 1e-6);
  EXPECT_NEAR(cosine_similarity(std::vector<float>{1, 0}, std::vector<float>{-3, 0}), -1, 1e-6);
  EXPECT_EQ(cosine_similarity(std::vector<float>{0, 0}, std::vector<float>{1, 0}), 0);
  EXPECT_THROW(cosine_similarity(std::vector<float>{1, 0}, std::vector<float>{1, 0, 0}), std::invalid_argument);
}

TEST(MatchTest, AcceptsTheBestStudentAboveMinScore) {
  const FaceGallery gallery({{1, at(0)}, {2, at(90)}, {3, at(180)}}, 4);
  const auto m = match(at(10), gallery, 0.9f, 0.1f);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->student_id, 1);
  EXPECT_NEAR(m->score, std::cos(10 * M_PI / 180), 1e-5);
  EXPECT_NEAR(m->second_best, std::cos(80 * M_PI / 180), 1e-5);
  // cos(30 deg) = 0.866 < 0.9: no match, though student 1 is still the best.
  EXPECT_FALSE(match(at(30), gallery, 0.9f, 0.1f));
  ASSERT_TRUE(gallery.best_match(at(30)));
  EXPECT_EQ(gallery.best_match(at(30))->student_id, 1);
}

TEST(MatchTest, RequiresAMarginOverTheBestOtherStudent) {
  const FaceGallery gallery({{1, at(0)}, {2, at(20)}}, 4);
  // At 10 degrees both score cos(10) = 0.985: no margin.
  EXPECT_FALSE(match(at(10), gallery, 0.5f, 0.05f));
  // At 2 degrees: 0.9994 vs cos(18) = 0.951, margin 0.048.
  EXPECT_FALSE(match(at(2), gallery, 0.5f, 0.05f));
  const auto m = match(at(2), gallery, 0.5f, 0.04f);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->student_id, 1);
  // Margin 0 accepts the best even on a near tie.
  EXPECT_TRUE(match(at(9), gallery, 0.5f, 0.0f));
}

TEST(MatchTest, SeveralTemplatesOfOneStudentDoNotCompeteWithEachOther) {
  // Student 7 has three close templates; student 8 is far away.
  const FaceGallery gallery({{7, at(0)}, {8, at(120)}, {7, at(4)}, {7, at(-4)}},
                            4);  // not grouped: the gallery groups them
  const auto m = match(at(5), gallery, 0.9f, 0.2f);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->student_id, 7);
  EXPECT_NEAR(m->score, std::cos(1 * M_PI / 180), 1e-5);  // the closest template counts
  EXPECT_NEAR(m->second_best, std::cos(115 * M_PI / 180), 1e-5);
  // A lone student: no other student, second_best -1, the margin cannot fail.
  const auto lone = match(at(5), FaceGallery({{7, at(0)}, {7, at(4)}}, 4), 0.9f, 0.5f);
  ASSERT_TRUE(lone);
  EXPECT_EQ(lone->second_best, -1);
}

TEST(MatchTest, EmptyGalleryAndOtherSizesGiveNothing) {
  EXPECT_FALSE(FaceGallery().best_match(at(0)));
  EXPECT_FALSE(match(at(0), FaceGallery({}, 4), 0.0f, 0.0f));
  // A template of another dimension (another model) or all zeros is dropped, not compared.
  const FaceGallery gallery({{1, {1, 0}}, {2, at(0)}, {3, {0, 0, 0, 0}}}, 4);
  EXPECT_EQ(gallery.templates(), 1u);
  EXPECT_EQ(gallery.dropped(), 2u);
  const auto m = match(at(0), gallery, 0.5f, 0.1f);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->student_id, 2);
  EXPECT_EQ(m->second_best, -1);
  // A face of another dimension, or all zeros, matches nobody.
  EXPECT_FALSE(gallery.best_match(std::vector<float>{1, 0}));
  EXPECT_FALSE(gallery.best_match(std::vector<float>{0, 0, 0, 0}));
}

// The matrix form against the definition (max cosine per student, best other
// student), on a gallery shaped like a school's: 300 students, 1-4 templates
// each, 512 dimensions, in shuffled order.
TEST(MatchTest, TheGalleryMatrixAgreesWithCosinePerTemplate) {
  std::mt19937 random(7);
  std::normal_distribution<float> gaussian;
  const auto vector512 = [&] {
    std::vector<float> v(512);
    for (float& x : v) x = gaussian(random) * 3.0f;  // not unit length: the gallery normalises
    return v;
  };
  std::vector<GalleryFace> faces;
  for (long long student = 1; student <= 300; ++student) {
    for (long long t = 0; t <= student % 4; ++t) faces.push_back({student * 10, vector512()});
  }
  std::shuffle(faces.begin(), faces.end(), random);
  const FaceGallery gallery(faces, 512);
  ASSERT_EQ(gallery.templates(), faces.size());
  for (int query = 0; query < 20; ++query) {
    // Half the queries are a noisy copy of a template, so a clear winner exists.
    std::vector<float> face = vector512();
    if (query % 2 == 0) {
      const auto& source = faces[static_cast<std::size_t>(query) * 13 % faces.size()].embedding;
      for (std::size_t i = 0; i < face.size(); ++i) face[i] = source[i] + face[i] * 0.3f;
    }
    std::map<long long, float> per_student;
    for (const GalleryFace& template_face : faces) {
      const float score = cosine_similarity(face, template_face.embedding);
      auto [it, inserted] = per_student.try_emplace(template_face.student_id, score);
      if (!inserted) it->second = std::max(it->second, score);
    }
    long long best_student = 0;
    float best = -2;
    float second = -2;
    for (const auto& [student, score] : per_student) {
      if (score > best) {
        second = best;
        best = score;
        best_student = student;
      } else {
        second = std::max(second, score);
      }
    }
    const auto m = gallery.best_match(face);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->student_id, best_student) << "query " << query;
    EXPECT_NEAR(m->score, best, 1e-5) << "query " << query;
    EXPECT_NEAR(m->second_best, second, 1e-5) << "query " << query;
  }
}

cv::Mat crop(int tag) { return cv::Mat(2, 2, CV_8UC3, cv::Scalar(tag, tag, tag)); }
int tag_of(const cv::Mat& crop) { return crop.at<cv::Vec3b>(0, 0)[0]; }

TEST(SightingCooldownTest, KeepsTheBestSightingOfTheWindowAndEmitsItOnce) {
  SightingCooldown cooldown(10s);
  const Clock::time_point t0{};
  EXPECT_TRUE(cooldown.offer({1, 0.70f, 0.1f}, crop(1), t0));
  EXPECT_TRUE(cooldown.offer({1, 0.80f, 0.1f}, crop(2), t0 + 3s));   // better: kept
  EXPECT_FALSE(cooldown.offer({1, 0.75f, 0.1f}, crop(3), t0 + 5s));  // worse: dropped
  EXPECT_FALSE(cooldown.offer({1, 0.80f, 0.1f}, crop(4), t0 + 6s));  // a tie keeps the earlier one
  EXPECT_EQ(cooldown.pending(), 1u);
  EXPECT_TRUE(cooldown.due(t0 + 9s).empty());  // window still open

  const auto reported = cooldown.due(t0 + 10s);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].match.student_id, 1);
  EXPECT_FLOAT_EQ(reported[0].match.score, 0.80f);
  EXPECT_EQ(tag_of(reported[0].crop), 2);
  EXPECT_EQ(reported[0].seen_at, t0 + 3s);
  EXPECT_TRUE(cooldown.due(t0 + 11s).empty());  // only once
  EXPECT_EQ(cooldown.pending(), 0u);
}

TEST(SightingCooldownTest, ANewSightingAfterTheWindowOpensANewOne) {
  SightingCooldown cooldown(10s);
  const Clock::time_point t0{};
  cooldown.offer({1, 0.9f, 0}, crop(1), t0);
  ASSERT_EQ(cooldown.due(t0 + 12s).size(), 1u);
  // A lower score later is still reported: it belongs to a new window.
  EXPECT_TRUE(cooldown.offer({1, 0.6f, 0}, crop(2), t0 + 13s));
  EXPECT_TRUE(cooldown.due(t0 + 22s).empty());
  const auto second = cooldown.due(t0 + 23s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(tag_of(second[0].crop), 2);
}

TEST(SightingCooldownTest, StudentsHaveTheirOwnWindows) {
  SightingCooldown cooldown(10s);
  const Clock::time_point t0{};
  const auto wall = std::chrono::system_clock::now();
  cooldown.offer({2, 0.7f, 0}, crop(20), t0 + 4s, wall);
  cooldown.offer({1, 0.9f, 0}, crop(10), t0);
  cooldown.offer({3, 0.8f, 0}, crop(30), t0 + 4s);
  cooldown.offer({1, 0.95f, 0}, crop(11), t0 + 8s);  // in 1's window, which opened at t0
  auto first = cooldown.due(t0 + 10s);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].match.student_id, 1);
  EXPECT_EQ(tag_of(first[0].crop), 11);
  const auto rest = cooldown.due(t0 + 14s);
  ASSERT_EQ(rest.size(), 2u);  // oldest window first, then by student
  EXPECT_EQ(rest[0].match.student_id, 2);
  EXPECT_EQ(rest[0].seen_wall, wall);
  EXPECT_EQ(rest[1].match.student_id, 3);
}

TEST(SightingCooldownTest, FlushReturnsEverythingPending) {
  SightingCooldown cooldown(30s);
  const Clock::time_point t0{};
  cooldown.offer({1, 0.9f, 0}, crop(1), t0);
  cooldown.offer({2, 0.8f, 0}, crop(2), t0 + 1s);
  EXPECT_TRUE(cooldown.due(t0 + 2s).empty());
  EXPECT_EQ(cooldown.flush().size(), 2u);
  EXPECT_EQ(cooldown.pending(), 0u);
  EXPECT_TRUE(cooldown.flush().empty());
}

}  // namespace
}  // namespace bisk

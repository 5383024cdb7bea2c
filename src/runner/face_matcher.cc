#include "runner/face_matcher.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace bisk {

float cosine_similarity(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) throw std::invalid_argument("cosine_similarity: vectors of different sizes");
  double dot = 0;
  double norm_a = 0;
  double norm_b = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    norm_a += static_cast<double>(a[i]) * a[i];
    norm_b += static_cast<double>(b[i]) * b[i];
  }
  if (norm_a == 0 || norm_b == 0) return 0;
  return static_cast<float>(dot / std::sqrt(norm_a * norm_b));
}

namespace {

double squared_norm(std::span<const float> v) {
  double sum = 0;
  for (const float x : v) sum += static_cast<double>(x) * x;
  return sum;
}

// Eight independent sums let the compiler vectorise without reassociating.
float dot(const float* a, const float* b, std::size_t n) {
  float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (std::size_t k = 0; k < 8; ++k) sums[k] += a[i + k] * b[i + k];
  }
  float total = 0;
  for (; i < n; ++i) total += a[i] * b[i];
  for (const float sum : sums) total += sum;
  return total;
}

}  // namespace

FaceGallery::FaceGallery(const std::vector<GalleryFace>& faces, std::size_t dimension) : dimension_(dimension) {
  std::vector<const GalleryFace*> kept;
  for (const GalleryFace& face : faces) {
    if (face.embedding.size() != dimension || squared_norm(face.embedding) == 0) {
      ++dropped_;
      continue;
    }
    kept.push_back(&face);
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const GalleryFace* a, const GalleryFace* b) { return a->student_id < b->student_id; });
  rows_.reserve(kept.size() * dimension);
  for (const GalleryFace* face : kept) {
    const double inverse_norm = 1.0 / std::sqrt(squared_norm(face->embedding));
    for (const float x : face->embedding) rows_.push_back(static_cast<float>(x * inverse_norm));
    student_of_row_.push_back(face->student_id);
  }
}

std::optional<Match> FaceGallery::best_match(std::span<const float> embedding) const {
  if (student_of_row_.empty() || embedding.size() != dimension_) return std::nullopt;
  const double norm = std::sqrt(squared_norm(embedding));
  if (norm == 0) return std::nullopt;
  const float inverse_norm = static_cast<float>(1.0 / norm);
  Match best;
  bool have_best = false;
  // Rows are grouped by student: each group's maximum is one student's score.
  for (std::size_t row = 0; row < student_of_row_.size();) {
    const long long student = student_of_row_[row];
    float score = -2;
    for (; row < student_of_row_.size() && student_of_row_[row] == student; ++row)
      score = std::max(score, dot(&rows_[row * dimension_], embedding.data(), dimension_) * inverse_norm);
    if (!have_best || score > best.score) {  // ties keep the lower id (ascending order)
      if (have_best) best.second_best = std::max(best.second_best, best.score);
      best.student_id = student;
      best.score = score;
      have_best = true;
    } else {
      best.second_best = std::max(best.second_best, score);
    }
  }
  return best;
}

std::optional<Match> match(std::span<const float> embedding, const FaceGallery& gallery, float min_score,
                           float margin) {
  std::optional<Match> best = gallery.best_match(embedding);
  if (!best || best->score < min_score) return std::nullopt;
  if (best->second_best > -1 && best->score - best->second_best < margin) return std::nullopt;
  return best;
}

bool SightingCooldown::offer(const Match& match, cv::Mat crop, Clock::time_point now,
                             std::chrono::system_clock::time_point seen_wall) {
  Sighting sighting{match, std::move(crop), now, seen_wall};
  auto it = windows_.find(match.student_id);
  if (it == windows_.end()) {
    windows_.emplace(match.student_id, Window{now, std::move(sighting)});
    return true;
  }
  if (match.score <= it->second.best.match.score) return false;
  it->second.best = std::move(sighting);
  return true;
}

std::vector<SightingCooldown::Sighting> SightingCooldown::take(bool all, Clock::time_point now) {
  std::vector<Window> ended;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (all || now - it->second.opened_at >= cooldown_) {
      ended.push_back(std::move(it->second));
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(ended.begin(), ended.end(), [](const Window& a, const Window& b) {
    return a.opened_at != b.opened_at ? a.opened_at < b.opened_at : a.best.match.student_id < b.best.match.student_id;
  });
  std::vector<Sighting> result;
  result.reserve(ended.size());
  for (Window& window : ended) result.push_back(std::move(window.best));
  return result;
}

std::vector<SightingCooldown::Sighting> SightingCooldown::due(Clock::time_point now) { return take(false, now); }

std::vector<SightingCooldown::Sighting> SightingCooldown::flush() { return take(true, {}); }

}  // namespace bisk

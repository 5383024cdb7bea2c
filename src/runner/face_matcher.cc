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

std::optional<Match> best_match(std::span<const float> embedding, const std::vector<GalleryFace>& gallery) {
  // Best score per student (max over their templates).
  std::unordered_map<long long, float> per_student;
  for (const GalleryFace& face : gallery) {
    if (face.embedding.size() != embedding.size()) continue;
    const float score = cosine_similarity(embedding, face.embedding);
    auto [it, inserted] = per_student.try_emplace(face.student_id, score);
    if (!inserted) it->second = std::max(it->second, score);
  }
  if (per_student.empty()) return std::nullopt;
  Match best;
  bool first = true;
  for (const auto& [student_id, score] : per_student) {
    if (first || score > best.score || (score == best.score && student_id < best.student_id)) {
      if (!first) best.second_best = std::max(best.second_best, best.score);
      best.student_id = student_id;
      best.score = score;
      first = false;
    } else {
      best.second_best = std::max(best.second_best, score);
    }
  }
  return best;
}

std::optional<Match> match(std::span<const float> embedding, const std::vector<GalleryFace>& gallery, float min_score,
                           float margin) {
  std::optional<Match> best = best_match(embedding, gallery);
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

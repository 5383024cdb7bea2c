// Matching embeddings against the gallery, and the per-student cooldown that
// decides which sighting is reported. Pure: no models, no I/O, time passed in.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include <opencv2/core.hpp>

namespace bisk {

// One face template of a student; a student may have several.
struct GalleryFace {
  long long student_id = 0;
  std::vector<float> embedding;
};

struct Match {
  long long student_id = 0;
  float score = 0;         // cosine similarity with the student's best template
  float second_best = -1;  // best score of any OTHER student; -1 when there is none
};

// Cosine similarity; 0 when either vector is all zeros. Throws
// std::invalid_argument when the sizes differ.
float cosine_similarity(std::span<const float> a, std::span<const float> b);

// The best student (max over each student's templates) and the best other
// student's score, without any threshold; nullopt for an empty gallery.
// Templates whose size differs from `embedding` are skipped.
std::optional<Match> best_match(std::span<const float> embedding, const std::vector<GalleryFace>& gallery);

// best_match, accepted only when score >= min_score and
// score - second_best >= margin (against the best OTHER student, so several
// templates of one student never compete with each other).
std::optional<Match> match(std::span<const float> embedding, const std::vector<GalleryFace>& gallery, float min_score,
                           float margin);

// Per student: the first accepted sighting opens a window of `cooldown`;
// within it only the best-scoring sighting is kept; once the window has ended
// that sighting is returned by due() exactly once. The next sighting of the
// student opens a new window. So a student standing in front of the camera is
// reported at most once per cooldown, with the best crop of that window.
class SightingCooldown {
 public:
  using Clock = std::chrono::steady_clock;

  struct Sighting {
    Match match;
    cv::Mat crop;               // kept as given (cv::Mat shares its pixels: pass a clone if the buffer is reused)
    Clock::time_point seen_at;  // `now` of offer()
    std::chrono::system_clock::time_point seen_wall;  // for the event's timestamp
  };

  explicit SightingCooldown(Clock::duration cooldown) : cooldown_(cooldown) {}

  // Offers an accepted match. Returns true when it is now the kept sighting of
  // its window (the first one, or better than the one kept so far).
  bool offer(const Match& match, cv::Mat crop, Clock::time_point now,
             std::chrono::system_clock::time_point seen_wall = {});
  // Sightings whose window has ended by `now` (opened at or before now -
  // cooldown), oldest window first; each is returned once.
  std::vector<Sighting> due(Clock::time_point now);
  // Every kept sighting, window ended or not (e.g. on shutdown).
  std::vector<Sighting> flush();
  size_t pending() const { return windows_.size(); }
  Clock::duration cooldown() const { return cooldown_; }

 private:
  struct Window {
    Clock::time_point opened_at;
    Sighting best;
  };
  std::vector<Sighting> take(bool all, Clock::time_point now);

  Clock::duration cooldown_;
  std::unordered_map<long long, Window> windows_;
};

}  // namespace bisk

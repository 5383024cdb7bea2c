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

// The gallery as one matrix: every template normalised once, a student's
// templates in adjacent rows. Matching a face is then one matrix-vector
// product and one linear pass for the per-student maximum (a 3,000-template
// gallery: ~0.3 ms, where a cosine per template with a per-call hash map of
// students took 1.7 ms). Immutable once built.
class FaceGallery {
 public:
  FaceGallery() = default;
  // Keeps the templates of `dimension` values (the embedder's); others (another
  // model's) are dropped and counted. All-zero templates are dropped too.
  FaceGallery(const std::vector<GalleryFace>& faces, std::size_t dimension);

  std::size_t templates() const { return student_of_row_.size(); }
  std::size_t dropped() const { return dropped_; }
  std::size_t dimension() const { return dimension_; }

  // The best student (max over each student's templates) and the best other
  // student's score, without any threshold; nullopt for an empty gallery or an
  // embedding of another dimension (or all zeros).
  std::optional<Match> best_match(std::span<const float> embedding) const;

 private:
  std::size_t dimension_ = 0;
  std::vector<float> rows_;  // templates() x dimension_, each row of unit length
  std::vector<long long> student_of_row_;
  std::size_t dropped_ = 0;
};

// best_match, accepted only when score >= min_score and
// score - second_best >= margin (against the best OTHER student, so several
// templates of one student never compete with each other).
std::optional<Match> match(std::span<const float> embedding, const FaceGallery& gallery, float min_score, float margin);

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

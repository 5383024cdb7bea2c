// Which faces of a frame need the landmark and embedding networks.
//
// Students sit still: the same face in the same place, frame after frame, and
// embedding it again (landmarks + alignment + embedding, ~15 ms of a frame's
// ~27 ms of CPU) gives the same answer. So a detection that continues a track
// (its box overlaps the box of one of the previous frame's faces by
// IoU >= min_iou) reuses the track's last answer unless
//  - that answer is older than `refresh_matched` (a recognised face: identity
//    re-checked, and a student whose cooldown window has closed is sighted
//    again within that time) or `refresh_unmatched` (nobody yet: a turned head
//    gets another chance sooner);
//  - the face is clearly better than at any earlier embedding of the track
//    (quality = box size x detection score, grown by the factor `better_by`):
//    the cooldown reports a window's best sighting, and a bigger, surer face
//    is where a better score comes from;
//  - the gallery changed (reset()).
// A moving face (a student walking in) overlaps too little and is embedded
// every frame, as before. Pure: detections and time in, decisions out.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "runner/face_detector.h"
#include "runner/face_matcher.h"

namespace bisk {

class FaceTracker {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    float min_iou = 0.5f;
    Clock::duration refresh_matched = std::chrono::seconds(1);
    Clock::duration refresh_unmatched = std::chrono::milliseconds(400);
    float better_by = 1.15f;
  };
  struct Decision {
    bool describe = true;         // run landmarks + embedding on this face
    std::optional<Match> reused;  // when not: the track's accepted match (nullopt: nobody)
  };

  FaceTracker() = default;
  explicit FaceTracker(const Options& options) : options_(options) {}

  // One call per frame with all of its faces; one decision per face, in
  // order. Tracks that no face continues end here.
  std::vector<Decision> assign(const std::vector<DetectedFace>& faces, Clock::time_point now);
  // The outcome of describing faces[index] of the last assign(): the accepted
  // match, or nullopt (nobody, or it could not be aligned).
  void described(std::size_t index, const std::optional<Match>& match, Clock::time_point now);
  // Forgets every answer (the gallery changed): each face is described again.
  void reset();

  std::size_t tracks() const { return tracks_.size(); }

 private:
  struct Track {
    cv::Rect2f box;
    float quality = 0;
    float best_embedded_quality = 0;
    std::optional<Clock::time_point> embedded_at;  // nullopt: no answer yet
    std::optional<Match> match;
  };
  bool needs_description(const Track& track, Clock::time_point now) const;

  Options options_;
  std::vector<Track> tracks_;  // one per face of the last assign(), same order
};

// Intersection over union of two boxes; 0 when either is empty.
float intersection_over_union(const cv::Rect2f& a, const cv::Rect2f& b);

}  // namespace bisk

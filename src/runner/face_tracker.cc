#include "runner/face_tracker.h"

#include <algorithm>
#include <tuple>

namespace bisk {
namespace {

float quality_of(const DetectedFace& face) { return std::min(face.box.width, face.box.height) * face.score; }

}  // namespace

float intersection_over_union(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float overlap = (a & b).area();
  const float united = a.area() + b.area() - overlap;
  return united > 0 ? overlap / united : 0;
}

std::vector<FaceTracker::Decision> FaceTracker::assign(const std::vector<DetectedFace>& faces, Clock::time_point now) {
  // Greedy by overlap, best pairs first: with faces that do not touch (a
  // classroom) it is the optimal assignment, and it is never ambiguous for
  // long because answers are refreshed anyway.
  std::vector<std::tuple<float, std::size_t, std::size_t>> pairs;  // iou, face, old track
  for (std::size_t f = 0; f < faces.size(); ++f) {
    for (std::size_t t = 0; t < tracks_.size(); ++t) {
      const float iou = intersection_over_union(faces[f].box, tracks_[t].box);
      if (iou >= options_.min_iou) pairs.emplace_back(iou, f, t);
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  std::vector<Track> next(faces.size());
  std::vector<bool> face_taken(faces.size(), false);
  std::vector<bool> track_taken(tracks_.size(), false);
  for (const auto& [iou, f, t] : pairs) {
    if (face_taken[f] || track_taken[t]) continue;
    face_taken[f] = track_taken[t] = true;
    next[f] = tracks_[t];
  }
  std::vector<Decision> decisions(faces.size());
  for (std::size_t f = 0; f < faces.size(); ++f) {
    Track& track = next[f];
    track.box = faces[f].box;
    track.quality = quality_of(faces[f]);
    decisions[f].describe = needs_description(track, now);
    if (!decisions[f].describe) decisions[f].reused = track.match;
  }
  tracks_ = std::move(next);
  return decisions;
}

bool FaceTracker::needs_description(const Track& track, Clock::time_point now) const {
  if (!track.embedded_at) return true;
  const Clock::duration refresh = track.match ? options_.refresh_matched : options_.refresh_unmatched;
  if (now - *track.embedded_at >= refresh) return true;
  return track.quality >= track.best_embedded_quality * options_.better_by;
}

void FaceTracker::described(std::size_t index, const std::optional<Match>& match, Clock::time_point now) {
  if (index >= tracks_.size()) return;
  Track& track = tracks_[index];
  track.embedded_at = now;
  track.match = match;
  track.best_embedded_quality = std::max(track.best_embedded_quality, track.quality);
}

void FaceTracker::reset() { tracks_.clear(); }

}  // namespace bisk

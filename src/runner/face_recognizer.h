// One frame's recognition as `bisk runner` does it: detection and the size
// gate, the FaceTracker choosing which faces need landmarks and an embedding,
// each described face matched against the gallery (min_score and margin).
// bench/recognition_bench.cc measures this same code. Not thread-safe: one
// instance on the recognition thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "runner/face_matcher.h"
#include "runner/face_pipeline.h"
#include "runner/face_tracker.h"

namespace bisk {

class FaceRecognizer {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    int min_face_px = 40;
    int det_width = 0;  // FaceDetector::detect
    float min_score = 0.5f;
    float margin = 0.1f;
    bool track = true;  // false: every face of every frame is described (benchmarks)
  };
  struct RecognizedFace {
    DetectedFace detection;
    std::optional<Match> match;  // the accepted match, fresh or the track's
    bool described = false;      // landmarks and embedding ran on this frame: a new sighting
  };
  struct Result {
    std::vector<RecognizedFace> faces;  // those past the size gate, in detection order
    FacePipeline::Result counts;        // detected / too_small / not_aligned and stage timings
    double match_ms = 0;
  };

  FaceRecognizer(FacePipeline& pipeline, const Options& options) : pipeline_(pipeline), options_(options) {}

  // `gallery` changing (another pointer) voids every answer the tracker keeps.
  Result recognize(const cv::Mat& bgr, const std::shared_ptr<const FaceGallery>& gallery, Clock::time_point now);

 private:
  FacePipeline& pipeline_;
  const Options options_;
  FaceTracker tracker_;
  std::shared_ptr<const FaceGallery> tracked_gallery_;  // the gallery tracker_'s answers came from
};

}  // namespace bisk

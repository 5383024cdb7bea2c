// Recognition for one image: detect -> min-face-size gate -> landmarks and
// alignment -> embedding. The same path serves enrollment photos (read_image)
// and live frames (Frame::bgr from the decoder): both are BGR, and only the
// blob calls inside the models swap to RGB (see face_detector.h).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "runner/face_aligner.h"
#include "runner/face_detector.h"
#include "runner/face_embedder.h"

namespace bisk {

struct FacePipelineOptions {
  float min_detection_score = 0.8f;
  float nms_threshold = 0.4f;
  int threads = 0;    // > 0: set_inference_threads(threads) (process-wide); else OpenCV's default
  bool cuda = false;  // ask for the CUDA device gpu_index (select_inference_device, process-wide)
  int gpu_index = 0;
};

// Not thread-safe: one instance per recognition thread.
class FacePipeline {
 public:
  struct Face {
    DetectedFace detection;
    cv::Mat aligned;               // 112x112 BGR, the crop that was embedded
    std::vector<float> embedding;  // FaceEmbedder::kDimension values, unit norm
  };
  struct Timings {  // wall time of the last call, milliseconds
    double detect_ms = 0;
    double align_ms = 0;  // landmarks + warp, all faces
    double embed_ms = 0;  // all faces
  };
  struct Result {
    std::vector<Face> faces;  // embedded faces, best detection score first
    int detected = 0;         // faces the detector found
    int too_small = 0;        // of those, rejected by the size gate (never aligned nor embedded)
    int not_aligned = 0;      // of those, no alignment transform could be estimated
    Timings timings;
  };

  // Loads the three models from `model_dir` (BISK_MODEL_DIR); throws
  // std::runtime_error naming a missing file.
  explicit FacePipeline(const std::string& model_dir, const FacePipelineOptions& options = FacePipelineOptions());

  // The size the gate compares with min_face_px: the shorter side of the box.
  static float face_size(const DetectedFace& face) { return std::min(face.box.width, face.box.height); }

  // det_width: see FaceDetector::detect (0: one whole-image pass).
  Result process(const cv::Mat& bgr, int min_face_px, int det_width = 0);
  // The first half of process(): detection and the size gate. Fills
  // `result`'s counts and detect_ms (its faces stay empty) and returns the
  // faces that passed the gate, for describe() to be called on those wanted.
  std::vector<DetectedFace> detect(const cv::Mat& bgr, int min_face_px, int det_width, Result& result);
  // Aligns and embeds one detection (e.g. the enrollment photo's largest
  // face); nullopt when it cannot be aligned. Adds to `timings` if given.
  std::optional<Face> describe(const cv::Mat& bgr, const DetectedFace& detection, Timings* timings = nullptr);

  // "cuda" or "cpu": where the models run (CPU when CUDA was asked for but is not available).
  const std::string& device() const { return device_; }

  FaceDetector& detector() { return detector_; }
  FaceAligner& aligner() { return aligner_; }
  FaceEmbedder& embedder() { return embedder_; }

 private:
  std::string device_;  // before the models: it decides where they are loaded
  FaceDetector detector_;
  FaceAligner aligner_;
  FaceEmbedder embedder_;
};

}  // namespace bisk

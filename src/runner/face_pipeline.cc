#include "runner/face_pipeline.h"

#include <chrono>

namespace bisk {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Sets the thread count and the device before the first model is loaded.
std::string prepare_inference(const FacePipelineOptions& options) {
  set_inference_threads(options.threads);
  return select_inference_device(options.cuda, options.gpu_index);
}

}  // namespace

FacePipeline::FacePipeline(const std::string& model_dir, const FacePipelineOptions& options)
    : device_(prepare_inference(options)),
      detector_(model_dir, options.min_detection_score, options.nms_threshold),
      aligner_(model_dir),
      embedder_(model_dir) {}

std::optional<FacePipeline::Face> FacePipeline::describe(const cv::Mat& image, const DetectedFace& detection,
                                                         Timings* timings) {
  const cv::Mat bgr = as_bgr(image);
  auto start = std::chrono::steady_clock::now();
  cv::Mat aligned = aligner_.align(bgr, detection.box);
  if (timings != nullptr) timings->align_ms += ms_since(start);
  if (aligned.empty()) return std::nullopt;
  start = std::chrono::steady_clock::now();
  std::vector<float> embedding = embedder_.embed(aligned);
  if (timings != nullptr) timings->embed_ms += ms_since(start);
  return Face{detection, std::move(aligned), std::move(embedding)};
}

std::vector<DetectedFace> FacePipeline::detect(const cv::Mat& image, int min_face_px, int det_width, Result& result) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<DetectedFace> detections = detector_.detect(as_bgr(image), det_width);
  result.timings.detect_ms = ms_since(start);
  result.detected = static_cast<int>(detections.size());
  // The gate comes before any landmark or embedding work.
  std::erase_if(detections,
                [&](const DetectedFace& detection) { return face_size(detection) < static_cast<float>(min_face_px); });
  result.too_small = result.detected - static_cast<int>(detections.size());
  return detections;
}

FacePipeline::Result FacePipeline::process(const cv::Mat& image, int min_face_px, int det_width) {
  const cv::Mat bgr = as_bgr(image);
  Result result;
  for (const DetectedFace& detection : detect(bgr, min_face_px, det_width, result)) {
    std::optional<Face> face = describe(bgr, detection, &result.timings);
    if (!face) {
      ++result.not_aligned;
      continue;
    }
    result.faces.push_back(std::move(*face));
  }
  return result;
}

}  // namespace bisk

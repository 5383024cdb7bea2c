#include "runner/photo_quality.h"

#include <algorithm>
#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace bisk {
namespace {

std::string format(const char* pattern, double a, double b) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, pattern, a, b);
  return buffer;
}

}  // namespace

std::string_view to_string(PhotoProblem problem) {
  switch (problem) {
    case PhotoProblem::kNone:
      return "ok";
    case PhotoProblem::kNoFace:
      return "no_face";
    case PhotoProblem::kSeveralFaces:
      return "several_faces";
    case PhotoProblem::kTooSmall:
      return "too_small";
    case PhotoProblem::kNotAligned:
      return "not_aligned";
    case PhotoProblem::kTooBlurry:
      return "too_blurry";
  }
  return "unknown";
}

double laplacian_variance(const cv::Mat& image) {
  const cv::Mat bgr = as_bgr(image);
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  cv::Mat laplacian;
  cv::Laplacian(grey, laplacian, CV_64F);
  cv::Scalar mean;
  cv::Scalar stddev;
  cv::meanStdDev(laplacian, mean, stddev);
  return stddev[0] * stddev[0];
}

PhotoQuality check_enrollment_photo(FacePipeline& pipeline, const cv::Mat& image, const PhotoQualityOptions& options) {
  const cv::Mat bgr = as_bgr(image);
  PhotoQuality quality;
  std::vector<DetectedFace> faces = pipeline.detector().detect(bgr);
  quality.faces = static_cast<int>(faces.size());
  if (faces.empty()) {
    quality.problem = PhotoProblem::kNoFace;
    quality.reason = "no face found in the photo";
    return quality;
  }
  std::sort(faces.begin(), faces.end(), [](const DetectedFace& a, const DetectedFace& b) {
    return FacePipeline::face_size(a) > FacePipeline::face_size(b);
  });
  const DetectedFace& largest = faces[0];
  quality.face_px = FacePipeline::face_size(largest);
  if (faces.size() > 1 && FacePipeline::face_size(faces[1]) >= options.several_faces_ratio * quality.face_px) {
    quality.problem = PhotoProblem::kSeveralFaces;
    quality.reason =
        format("several faces of similar size in the photo (%.0f, the largest %.0f px); use a photo of one person",
               static_cast<double>(faces.size()), static_cast<double>(quality.face_px));
    return quality;
  }
  if (quality.face_px < static_cast<float>(options.min_face_px)) {
    quality.problem = PhotoProblem::kTooSmall;
    quality.reason = format("the face is too small: %.0f px, at least %.0f px needed",
                            static_cast<double>(quality.face_px), static_cast<double>(options.min_face_px));
    return quality;
  }
  quality.face = pipeline.describe(bgr, largest);
  if (!quality.face) {
    quality.problem = PhotoProblem::kNotAligned;
    quality.reason = "the face could not be aligned (landmarks not found)";
    return quality;
  }
  quality.sharpness = laplacian_variance(quality.face->aligned);
  if (quality.sharpness < options.min_sharpness) {
    quality.problem = PhotoProblem::kTooBlurry;
    quality.reason = format("the face is too blurry: sharpness %.0f, at least %.0f needed", quality.sharpness,
                            options.min_sharpness);
  }
  return quality;
}

}  // namespace bisk

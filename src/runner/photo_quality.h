// Enrollment photo checks: the photo must show one clear face, large and sharp
// enough to make a good template. The largest face is the candidate; the
// checks run in this order and the first failure is the reason given.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "runner/face_pipeline.h"

namespace bisk {

enum class PhotoProblem {
  kNone,
  kNoFace,        // the detector found none
  kSeveralFaces,  // another face nearly as large as the largest: which one is meant?
  kTooSmall,      // the largest face is smaller than min_face_px
  kNotAligned,    // no alignment transform for it (degenerate landmarks)
  kTooBlurry,     // variance of the Laplacian of the aligned crop below min_sharpness
};

std::string_view to_string(PhotoProblem problem);

struct PhotoQualityOptions {
  int min_face_px = 80;              // shorter side of the detection box, in photo pixels
  float several_faces_ratio = 0.5f;  // a second face at least this fraction of the largest's size
  double min_sharpness = 100.0;      // variance of the Laplacian on the 112x112 grey aligned crop
};

struct PhotoQuality {
  PhotoProblem problem = PhotoProblem::kNone;
  std::string reason;                      // for the person enrolling; empty when ok
  int faces = 0;                           // faces detected
  float face_px = 0;                       // size of the largest face (0 without one)
  double sharpness = 0;                    // of the largest face's aligned crop (0 when not aligned)
  std::optional<FacePipeline::Face> face;  // the largest face, aligned and embedded, when it got that far
  bool ok() const { return problem == PhotoProblem::kNone; }
};

// Variance of the Laplacian of the grey image: low for blurry pictures.
double laplacian_variance(const cv::Mat& bgr);

// Checks a BGR photo (as read_image gives it) with the same pipeline as live
// recognition, so the template and the live embeddings are comparable.
PhotoQuality check_enrollment_photo(FacePipeline& pipeline, const cv::Mat& bgr,
                                    const PhotoQualityOptions& options = PhotoQualityOptions());

}  // namespace bisk

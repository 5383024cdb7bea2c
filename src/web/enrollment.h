// Enrollment (SPEC §5): a student's photo becomes a face template when it
// shows one usable face; otherwise the reason is given (no face, several
// faces, too small, too blurry) and nothing is stored. Shared by
// `bisk enroll` and POST /api/v1/students/{id}/photos.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "domain/entities.h"
#include "runner/face_pipeline.h"
#include "store/database.h"

namespace bisk {

struct EnrollmentResult {
  std::optional<Id> template_id;  // set when stored
  std::string problem;            // "no_face", "several_faces", … (empty when stored)
  std::string reason;             // for the person enrolling
  float face_px = 0;
  double sharpness = 0;
};

// Checks `photo` (BGR, as read_image/decode_image give it) and stores its
// template for `student_id`, bumping the gallery version.
EnrollmentResult enroll_photo(Database& db, FacePipeline& pipeline, Id student_id, const cv::Mat& photo,
                              const std::string& source_name);

// The models loaded once, on the first enrollment, and shared by the server's
// threads one at a time (a FacePipeline is not thread-safe).
class Enroller {
 public:
  explicit Enroller(std::string model_dir) : model_dir_(std::move(model_dir)) {}
  // Throws std::runtime_error naming a missing model file.
  EnrollmentResult enroll(Database& db, Id student_id, const cv::Mat& photo, const std::string& source_name);

 private:
  std::string model_dir_;
  std::mutex mutex_;
  std::unique_ptr<FacePipeline> pipeline_;
};

}  // namespace bisk

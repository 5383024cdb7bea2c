#include "web/enrollment.h"

#include "config/model_files.h"
#include "runner/photo_quality.h"
#include "store/attendance_store.h"

namespace bisk {

EnrollmentResult enroll_photo(Database& db, FacePipeline& pipeline, Id student_id, const cv::Mat& photo,
                              const std::string& source_name) {
  const PhotoQuality quality = check_enrollment_photo(pipeline, photo);
  EnrollmentResult result;
  result.face_px = quality.face_px;
  result.sharpness = quality.sharpness;
  if (!quality.ok() || !quality.face) {
    result.problem = std::string(to_string(quality.problem));
    result.reason = quality.reason;
    return result;
  }
  FaceTemplate face;
  face.student_id = student_id;
  face.embedding = quality.face->embedding;
  face.model_id = std::string(kFaceModelId);
  face.source_image = source_name;
  face.quality = quality.face->detection.score;
  face.created_at = now_instant();
  result.template_id = FaceTemplateStore(db).add(face);
  return result;
}

EnrollmentResult Enroller::enroll(Database& db, Id student_id, const cv::Mat& photo, const std::string& source_name) {
  std::lock_guard lock(mutex_);
  if (!pipeline_) pipeline_ = std::make_unique<FacePipeline>(model_dir_);
  return enroll_photo(db, *pipeline_, student_id, photo, source_name);
}

}  // namespace bisk

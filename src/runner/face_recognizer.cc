#include "runner/face_recognizer.h"

namespace bisk {

FaceRecognizer::Result FaceRecognizer::recognize(const cv::Mat& bgr, const std::shared_ptr<const FaceGallery>& gallery,
                                                 Clock::time_point now) {
  if (gallery != tracked_gallery_) {
    tracker_.reset();
    tracked_gallery_ = gallery;
  }
  Result result;
  const std::vector<DetectedFace> faces =
      pipeline_.detect(bgr, options_.min_face_px, options_.det_width, result.counts);
  std::vector<FaceTracker::Decision> decisions(faces.size());  // describe every face unless tracking
  if (options_.track) decisions = tracker_.assign(faces, now);
  result.faces.reserve(faces.size());
  for (std::size_t i = 0; i < faces.size(); ++i) {
    RecognizedFace& recognized = result.faces.emplace_back(RecognizedFace{faces[i], decisions[i].reused, false});
    if (!decisions[i].describe) continue;
    recognized.described = true;
    const auto face = pipeline_.describe(bgr, faces[i], &result.counts.timings);
    if (!face) ++result.counts.not_aligned;
    const auto matching = Clock::now();
    recognized.match =
        face && gallery ? match(face->embedding, *gallery, options_.min_score, options_.margin) : std::nullopt;
    result.match_ms += std::chrono::duration<double, std::milli>(Clock::now() - matching).count();
    if (options_.track) tracker_.described(i, recognized.match, now);
  }
  return result;
}

}  // namespace bisk

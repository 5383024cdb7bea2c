#include "runner/face_aligner.h"

#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "runner/face_detector.h"

namespace bisk {

const FivePoints FaceAligner::kTemplate = {{
    {38.2946f, 51.6963f},
    {73.5318f, 51.5014f},
    {56.0252f, 71.7366f},
    {41.5493f, 92.3655f},
    {70.7299f, 92.2041f},
}};

FaceAligner::FaceAligner(const std::string& model_dir) : net_(load_face_model(model_dir, "fr_landmark.onnx")) {}

FaceLandmarks68 FaceAligner::landmarks(const cv::Mat& image, const cv::Rect2f& box) {
  const cv::Mat bgr = as_bgr(image);
  cv::Rect crop(cv::Point(cvRound(box.x), cvRound(box.y)), cv::Point(cvRound(box.br().x), cvRound(box.br().y)));
  crop &= cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (crop.width < 2 || crop.height < 2) throw std::invalid_argument("face box outside the image or too small");
  cv::Mat grey;
  cv::cvtColor(bgr(crop), grey, cv::COLOR_BGR2GRAY);
  cv::resize(grey, grey, cv::Size(kLandmarkInput, kLandmarkInput), 0, 0, cv::INTER_LINEAR);
  // pixel / 256, one grey channel.
  net_.setInput(cv::dnn::blobFromImage(grey, 1.0 / 256.0));
  const cv::Mat out = net_.forward();  // 1 x 136: x0, y0, x1, y1, ... in 0..1 of the crop
  if (out.total() != 136) throw std::runtime_error("fr_landmark.onnx: unexpected output shape");
  const auto* p = out.ptr<float>();
  FaceLandmarks68 points;
  for (int i = 0; i < 68; ++i) {
    points[i] = {static_cast<float>(crop.x) + p[2 * i] * static_cast<float>(crop.width),
                 static_cast<float>(crop.y) + p[2 * i + 1] * static_cast<float>(crop.height)};
  }
  return points;
}

FivePoints FaceAligner::five_points(const FaceLandmarks68& l) {
  const auto mean = [&](std::initializer_list<int> indices) {
    cv::Point2f sum(0, 0);
    for (int i : indices) sum += l[i];
    return sum * (1.0f / static_cast<float>(indices.size()));
  };
  return {{mean({37, 38, 40, 41}), mean({43, 44, 46, 47}), l[30], mean({48, 60}), mean({54, 64})}};
}

cv::Mat FaceAligner::warp(const cv::Mat& image, const FivePoints& points) {
  const cv::Mat bgr = as_bgr(image);
  const std::vector<cv::Point2f> from(points.begin(), points.end());
  const std::vector<cv::Point2f> to(kTemplate.begin(), kTemplate.end());
  // A reprojection threshold far above any real landmark error keeps all five
  // points as inliers, so the result is the least-squares similarity (as the
  // usual ArcFace alignment), refined by Levenberg-Marquardt; deterministic.
  const cv::Mat transform =
      cv::estimateAffinePartial2D(from, to, cv::noArray(), cv::RANSAC, /*ransacReprojThreshold=*/1000.0);
  if (transform.empty()) return {};
  cv::Mat aligned;
  cv::warpAffine(bgr, aligned, transform, cv::Size(kCropSize, kCropSize), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(0, 0, 0));
  return aligned;
}

cv::Mat FaceAligner::align(const cv::Mat& bgr, const cv::Rect2f& box) {
  return warp(bgr, five_points(landmarks(bgr, box)));
}

}  // namespace bisk

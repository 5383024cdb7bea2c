// Landmarks and alignment: 68 points from fr_landmark.onnx on a 64x64 grey
// crop of the detection box, reduced to 5 (eye centres, nose tip, mouth
// corners) and mapped onto the standard 112x112 ArcFace template with a
// similarity transform (rotation, uniform scale, shift). Images are BGR (see
// face_detector.h); the aligned crop is BGR too.
#pragma once

#include <array>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace bisk {

using FaceLandmarks68 = std::array<cv::Point2f, 68>;
using FivePoints = std::array<cv::Point2f, 5>;  // left eye, right eye, nose, left/right mouth corner

// Not thread-safe: one instance per thread.
class FaceAligner {
 public:
  static constexpr int kCropSize = 112;
  static constexpr int kLandmarkInput = 64;
  // The ArcFace template the embedder was trained on (112x112 pixels).
  static const FivePoints kTemplate;

  explicit FaceAligner(const std::string& model_dir);

  // 68 landmarks in image pixels for the face in `box` (clipped to the image).
  FaceLandmarks68 landmarks(const cv::Mat& bgr, const cv::Rect2f& box);
  // Eyes from points 37,38,40,41 / 43,44,46,47, nose 30, mouth corners 48+60 / 54+64.
  static FivePoints five_points(const FaceLandmarks68& landmarks);
  // The 112x112 BGR crop; empty when no transform could be estimated.
  static cv::Mat warp(const cv::Mat& bgr, const FivePoints& points);
  // landmarks + five_points + warp.
  cv::Mat align(const cv::Mat& bgr, const cv::Rect2f& box);

 private:
  cv::dnn::Net net_;
};

}  // namespace bisk

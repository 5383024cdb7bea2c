#include "runner/face_detector.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <opencv2/core/cuda.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

namespace bisk {

namespace {

bool use_cuda = false;  // select_inference_device()

}  // namespace

bool cuda_inference_available() {
  const auto backends = cv::dnn::getAvailableBackends();
  const bool dnn_cuda =
      std::find(backends.begin(), backends.end(),
                std::make_pair(cv::dnn::DNN_BACKEND_CUDA, cv::dnn::DNN_TARGET_CUDA)) != backends.end();
  return dnn_cuda && cv::cuda::getCudaEnabledDeviceCount() > 0;
}

std::string select_inference_device(bool cuda, int gpu_index) {
  use_cuda = cuda && cuda_inference_available() && gpu_index >= 0 && gpu_index < cv::cuda::getCudaEnabledDeviceCount();
  if (use_cuda) cv::cuda::setDevice(gpu_index);
  return use_cuda ? "cuda" : "cpu";
}

cv::dnn::Net load_face_model(const std::string& model_dir, std::string_view file_name) {
  const std::filesystem::path path = std::filesystem::path(model_dir) / file_name;
  const std::string how =
      "; fetch the face models with scripts/fetch_assets.sh [DIR] (npm package "
      "faceplugin-face-recognition-js@0.0.1, into DIR/models) and point BISK_MODEL_DIR at that directory";
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw std::runtime_error("face model file " + path.string() + " not found" + how);
  }
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(path.string());
  } catch (const cv::Exception& e) {
    throw std::runtime_error("face model file " + path.string() + " could not be loaded (" + e.what() + ")" + how);
  }
  if (net.empty()) throw std::runtime_error("face model file " + path.string() + " could not be loaded" + how);
  net.setPreferableBackend(use_cuda ? cv::dnn::DNN_BACKEND_CUDA : cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(use_cuda ? cv::dnn::DNN_TARGET_CUDA : cv::dnn::DNN_TARGET_CPU);
  return net;
}

void set_inference_threads(int n) {
  if (n > 0) cv::setNumThreads(n);
}

cv::Mat as_bgr(const cv::Mat& image) {
  if (image.empty()) throw std::invalid_argument("empty image");
  if (image.depth() != CV_8U) throw std::invalid_argument("image must have 8 bits per channel");
  switch (image.channels()) {
    case 3:
      return image;
    case 1: {
      cv::Mat bgr;
      cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
      return bgr;
    }
    case 4: {
      cv::Mat bgr;
      cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
      return bgr;
    }
    default:
      throw std::invalid_argument("image must have 1, 3 or 4 channels");
  }
}

FaceDetector::FaceDetector(const std::string& model_dir, float min_score, float nms_threshold)
    : net_(load_face_model(model_dir, "fr_detect.onnx")), min_score_(min_score), nms_threshold_(nms_threshold) {}

std::vector<cv::Rect> FaceDetector::tiles(cv::Size image, int det_width) {
  std::vector<cv::Rect> result;
  if (det_width <= kInputWidth || image.width <= 0 || image.height <= 0) return result;
  const double scale = static_cast<double>(det_width) / image.width;  // detector pixels per image pixel
  const int tile_w = std::min(image.width, static_cast<int>(std::lround(kInputWidth / scale)));
  const int tile_h = std::min(image.height, static_cast<int>(std::lround(kInputHeight / scale)));
  if (tile_w >= image.width && tile_h >= image.height) return result;  // one tile = the whole-image pass
  // Origins along one axis: overlapping by a quarter of the tile, the last flush with the far edge.
  const auto origins = [](int length, int tile) {
    std::vector<int> at;
    if (tile >= length) return std::vector<int>{0};
    const int step = std::max(1, tile - tile / 4);
    for (int x = 0; x + tile < length; x += step) at.push_back(x);
    at.push_back(length - tile);
    return at;
  };
  for (int y : origins(image.height, tile_h)) {
    for (int x : origins(image.width, tile_w)) result.emplace_back(x, y, tile_w, tile_h);
  }
  return result;
}

void FaceDetector::run(const cv::Mat& bgr, const cv::Rect& region, bool drop_cut_at_inner_edges,
                       std::vector<cv::Rect2d>& boxes, std::vector<float>& scores) {
  // (pixel - 127) / 128, RGB order (swapRB: the input is BGR), resized to 320x240.
  const cv::Mat blob = cv::dnn::blobFromImage(bgr(region), 1.0 / 128.0, cv::Size(kInputWidth, kInputHeight),
                                              cv::Scalar(127, 127, 127), /*swapRB=*/true, /*crop=*/false);
  net_.setInput(blob, "input");
  std::vector<cv::Mat> outputs;
  net_.forward(outputs, std::vector<cv::String>{"scores", "boxes"});
  const cv::Mat& out_scores = outputs[0];  // 1 x N x 2 (background, face)
  const cv::Mat& out_boxes = outputs[1];   // 1 x N x 4 (x1, y1, x2, y2 in 0..1 of the region)
  const size_t n = out_scores.total() / 2;
  if (out_boxes.total() != n * 4) throw std::runtime_error("fr_detect.onnx: unexpected output shape");
  const auto* score = out_scores.ptr<float>();
  const auto* box = out_boxes.ptr<float>();

  const cv::Rect2d area(region);
  const double edge = 1.0;  // a box within this of an inner tile edge was cut by it
  for (size_t i = 0; i < n; ++i) {
    const float face = score[i * 2 + 1];
    if (face < (drop_cut_at_inner_edges ? std::max(min_score_, kTileMinScore) : min_score_)) continue;
    const float* b = box + i * 4;
    cv::Rect2d rect(cv::Point2d(area.x + b[0] * area.width, area.y + b[1] * area.height),
                    cv::Point2d(area.x + b[2] * area.width, area.y + b[3] * area.height));
    rect &= area;
    if (rect.width <= 1 || rect.height <= 1) continue;
    if (drop_cut_at_inner_edges) {
      const bool cut = (region.x > 0 && rect.x <= area.x + edge) || (region.y > 0 && rect.y <= area.y + edge) ||
                       (region.x + region.width < bgr.cols && rect.br().x >= area.br().x - edge) ||
                       (region.y + region.height < bgr.rows && rect.br().y >= area.br().y - edge);
      if (cut) continue;
    }
    boxes.push_back(rect);
    scores.push_back(face);
  }
}

std::vector<DetectedFace> FaceDetector::detect(const cv::Mat& image, int det_width) {
  const cv::Mat bgr = as_bgr(image);
  std::vector<cv::Rect2d> candidates;
  std::vector<float> candidate_scores;
  run(bgr, cv::Rect(0, 0, bgr.cols, bgr.rows), false, candidates, candidate_scores);
  for (const cv::Rect& tile : tiles(bgr.size(), det_width)) run(bgr, tile, true, candidates, candidate_scores);
  std::vector<int> keep;
  cv::dnn::NMSBoxes(candidates, candidate_scores, min_score_, nms_threshold_, keep);
  // A box mostly inside a larger one is a part of that face (a magnified tile
  // sees an eye or half a face as a face), not a second face.
  std::sort(keep.begin(), keep.end(), [&](int a, int b) { return candidates[a].area() > candidates[b].area(); });
  std::vector<DetectedFace> faces;
  faces.reserve(keep.size());
  for (int i : keep) {
    const cv::Rect2d& box = candidates[i];
    const bool part = std::any_of(faces.begin(), faces.end(), [&](const DetectedFace& larger) {
      return (cv::Rect2d(larger.box) & box).area() >= kContainedFraction * box.area();
    });
    if (!part) faces.push_back({cv::Rect2f(box), candidate_scores[i]});
  }
  std::sort(faces.begin(), faces.end(), [](const DetectedFace& a, const DetectedFace& b) { return a.score > b.score; });
  return faces;
}

}  // namespace bisk

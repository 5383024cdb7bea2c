// Face detection with the UltraFace RFB-320 model (fr_detect.onnx, see
// scripts/fetch_assets.sh and src/config/model_files.h) through cv::dnn.
//
// Colour order: every image handed to the recognition classes is BGR, 8 bits
// per channel, exactly as read_image (enrollment, image_codec.h) and the decoder (live frames,
// runner/frame.h) produce it. The models were trained on RGB, so the blob
// calls swap the channels themselves (blobFromImage(..., swapRB=true)); callers
// never convert. face_pipeline_test.cc checks that feeding RGB instead lowers
// the scores.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace bisk {

// Reads `file_name` (one of kModelFiles) from `model_dir` (BISK_MODEL_DIR);
// throws std::runtime_error naming the file and how to fetch it when it is
// missing or cannot be parsed.
cv::dnn::Net load_face_model(const std::string& model_dir, std::string_view file_name);

// cv::dnn's CPU layers use OpenCV's global thread pool: n > 0 sets its size for
// the whole process (cv::setNumThreads), n <= 0 leaves it alone.
void set_inference_threads(int n);

// Where the models loaded from now on run, for the whole process: on the CUDA
// device `gpu_index` when `cuda` is asked for and this OpenCV build has a CUDA
// backend for cv::dnn and that device; else on the CPU. Returns "cuda" or
// "cpu", what was chosen (the runner logs a fallback and reports it).
std::string select_inference_device(bool cuda, int gpu_index);

// Whether this OpenCV build can run cv::dnn on a CUDA device at all.
bool cuda_inference_available();

struct DetectedFace {
  cv::Rect2f box;  // pixels of the input image, clipped to it
  float score = 0;
};

// Not thread-safe (a cv::dnn::Net keeps its buffers): one instance per thread.
class FaceDetector {
 public:
  static constexpr int kInputWidth = 320;
  static constexpr int kInputHeight = 240;
  // Magnified tiles see parts of larger faces as faces: beside Grace Hopper's
  // face, her chin and cap scored 0.84 and 0.92, half her face 0.987, while
  // real 24-40 px faces in tiles scored >= 0.989. So tile detections need
  // kTileMinScore, and a box with kContainedFraction of its area inside a
  // larger detection is dropped as a part of it.
  static constexpr float kTileMinScore = 0.95f;
  static constexpr double kContainedFraction = 0.6;

  // min_score: the face class probability to keep a candidate (0.65 let two
  // false hits through on a baboon photo; 0.8 did not). nms_threshold: IoU
  // above which the lower-scoring of two boxes is dropped.
  explicit FaceDetector(const std::string& model_dir, float min_score = 0.8f, float nms_threshold = 0.4f);

  // Faces in a BGR image (CV_8UC3; CV_8UC1 and CV_8UC4 are converted), best
  // score first, boxes clipped to the image.
  //
  // The model's input is fixed at 320x240 (its anchors are built in). One pass
  // stretches the whole image to that, so a face needs about 1/30 of the image
  // width (40-48 px in a 1280x720 frame). det_width (the profile's det_set)
  // buys smaller faces: above 320, overlapping tiles of 320x240 detector
  // pixels at the scale det_width / image width (so 320 * width / det_width
  // image pixels wide) are searched too, and the passes merged (a box cut by
  // an inner tile edge is dropped: a neighbouring tile or the whole-image pass
  // holds that face). Cost: one pass (~5 ms on 2 cores) per tile, about
  // det_width^2 * (height / width) / 43200 of them (1280x720: 6 tiles for
  // det_width 640, 20 for 1280), plus the whole-image pass.
  std::vector<DetectedFace> detect(const cv::Mat& bgr, int det_width = 0);

  // The tiles detect() searches besides the whole image (empty for one pass).
  static std::vector<cv::Rect> tiles(cv::Size image, int det_width);

  float min_score() const { return min_score_; }

 private:
  // Runs the model on `region` of `bgr`, appending boxes in image pixels.
  void run(const cv::Mat& bgr, const cv::Rect& region, bool drop_cut_at_inner_edges, std::vector<cv::Rect2d>& boxes,
           std::vector<float>& scores);

  cv::dnn::Net net_;
  float min_score_;
  float nms_threshold_;
};

// `image` as 8-bit BGR (grey and BGRA are converted); throws
// std::invalid_argument for anything else.
cv::Mat as_bgr(const cv::Mat& image);

}  // namespace bisk

#include "runner/face_embedder.h"

#include <cmath>
#include <stdexcept>

#include "runner/face_detector.h"

namespace bisk {

FaceEmbedder::FaceEmbedder(const std::string& model_dir) : net_(load_face_model(model_dir, "fr_feature.onnx")) {}

std::vector<float> FaceEmbedder::embed(const cv::Mat& aligned) {
  const cv::Mat bgr = as_bgr(aligned);
  // (pixel - 127) / 128, RGB order (swapRB: the crop is BGR); resized only if not 112x112.
  net_.setInput(cv::dnn::blobFromImage(bgr, 1.0 / 128.0, cv::Size(kInputSize, kInputSize), cv::Scalar(127, 127, 127),
                                       /*swapRB=*/true, /*crop=*/false));
  const cv::Mat out = net_.forward();
  if (out.total() != kDimension) throw std::runtime_error("fr_feature.onnx: unexpected output shape");
  const auto* p = out.ptr<float>();
  std::vector<float> embedding(p, p + kDimension);
  double norm = 0;
  for (float v : embedding) norm += static_cast<double>(v) * v;
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (float& v : embedding) v = static_cast<float>(v / norm);
  }
  return embedding;
}

}  // namespace bisk

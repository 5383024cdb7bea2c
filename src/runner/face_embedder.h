// Face embeddings: fr_feature.onnx (MobileFaceNet-style, 512 values) on an
// aligned 112x112 BGR crop (face_aligner.h), L2-normalised so that the cosine
// similarity of two embeddings is their dot product.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace bisk {

// Not thread-safe: one instance per thread.
class FaceEmbedder {
 public:
  static constexpr int kDimension = 512;
  static constexpr int kInputSize = 112;

  explicit FaceEmbedder(const std::string& model_dir);

  // kDimension values with unit L2 norm. The crop is BGR; another size is
  // resized to 112x112 first.
  std::vector<float> embed(const cv::Mat& aligned_bgr);

 private:
  cv::dnn::Net net_;
};

}  // namespace bisk

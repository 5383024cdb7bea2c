#pragma once

#include <array>
#include <string_view>

namespace bisk {

// The face models in BISK_MODEL_DIR, from the npm package
// faceplugin-face-recognition-js@0.0.1 (see README, "Models"), pinned by sha256.
struct ModelFile {
  std::string_view name;
  std::string_view sha256;
};
inline constexpr std::array<ModelFile, 3> kModelFiles = {{
    {"fr_detect.onnx", "6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854"},
    {"fr_landmark.onnx", "f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258"},
    {"fr_feature.onnx", "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581"},
}};

// The id of the embeddings these models produce: face templates and runners
// agree on it, and a runner handed another model's gallery exits (SPEC §5).
inline constexpr std::string_view kFaceModelId = "faceplugin-fr-512-v1";

}  // namespace bisk

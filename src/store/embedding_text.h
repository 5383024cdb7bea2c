// Face embeddings as the database stores them: base64 (RFC 4648, padded) of
// the float32 values in little-endian byte order, so that the text means the
// same on every machine and any tool can decode it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bisk {

std::string encode_embedding(const std::vector<float>& values);
// nullopt for text that is not such an encoding: a character outside the
// alphabet, misplaced padding, or a byte count that is not a multiple of 4.
std::optional<std::vector<float>> decode_embedding(std::string_view text);

}  // namespace bisk

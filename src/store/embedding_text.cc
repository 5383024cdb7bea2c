#include "store/embedding_text.h"

#include <array>
#include <bit>
#include <cstdint>

namespace bisk {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int kInvalid = -1;

constexpr std::array<int, 256> make_decode_table() {
  std::array<int, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  return table;
}
constexpr std::array<int, 256> kDecodeTable = make_decode_table();

std::vector<std::uint8_t> to_little_endian_bytes(const std::vector<float>& values) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(values.size() * 4);
  for (float value : values) {
    const auto bits = std::bit_cast<std::uint32_t>(value);
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<std::uint8_t>(bits >> shift));
  }
  return bytes;
}

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  std::vector<std::uint8_t> bytes;
  bytes.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    const int sextet = kDecodeTable[static_cast<unsigned char>(text[i])];
    if (sextet == kInvalid) return std::nullopt;  // also a '=' before the end
    group = group << 6 | static_cast<std::uint32_t>(sextet);
    if (i % 4 == 3) {
      for (int shift = 16; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(group >> shift));
      group = 0;
    }
  }
  // The last group: 3 sextets carry 2 bytes, 2 carry 1; the bits left over must be 0.
  if (padding > 0) {
    const int unused_bits = padding == 1 ? 2 : 4;
    if ((group & ((1u << unused_bits) - 1)) != 0) return std::nullopt;
    group >>= unused_bits;
    for (int shift = 8 * (2 - static_cast<int>(padding)); shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<std::uint8_t>(group >> shift));
    }
  }
  return bytes;
}

}  // namespace

std::string encode_embedding(const std::vector<float>& values) {
  const std::vector<std::uint8_t> bytes = to_little_endian_bytes(values);
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t available = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) group = group << 8 | (k < available ? bytes[i + k] : 0u);
    for (std::size_t k = 0; k < 4; ++k) {
      text += k <= available ? kAlphabet[(group >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  return text;
}

std::optional<std::vector<float>> decode_embedding(std::string_view text) {
  const auto bytes = decode_base64(text);
  if (!bytes || bytes->size() % 4 != 0) return std::nullopt;
  std::vector<float> values;
  values.reserve(bytes->size() / 4);
  for (std::size_t i = 0; i < bytes->size(); i += 4) {
    std::uint32_t bits = 0;
    for (int k = 3; k >= 0; --k) bits = bits << 8 | (*bytes)[i + static_cast<std::size_t>(k)];
    values.push_back(std::bit_cast<float>(bits));
  }
  return values;
}

}  // namespace bisk

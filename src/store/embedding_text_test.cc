#include "store/embedding_text.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace bisk {
namespace {

TEST(EmbeddingText, KnownValuesEncodeAsLittleEndianFloat32) {
  // 1.0f = 0x3f800000 → bytes 00 00 80 3f; -2.0f = 0xc0000000 → 00 00 00 c0.
  EXPECT_EQ(encode_embedding({1.0f}), "AACAPw==");
  EXPECT_EQ(encode_embedding({1.0f, -2.0f}), "AACAPwAAAMA=");
  EXPECT_EQ(encode_embedding({1.0f, -2.0f, 0.0f}), "AACAPwAAAMAAAAAA");
  EXPECT_EQ(encode_embedding({}), "");
}

TEST(EmbeddingText, KnownTextDecodes) {
  EXPECT_EQ(decode_embedding("AACAPw=="), std::vector<float>{1.0f});
  EXPECT_EQ(decode_embedding("AACAPwAAAMA="), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(decode_embedding(""), std::vector<float>{});
}

TEST(EmbeddingText, FiveHundredTwelveFloatsRoundTripBitForBit) {
  std::vector<float> values;
  for (int i = 0; i < 512; ++i) values.push_back(std::sin(static_cast<float>(i) * 0.37f) / (1.0f + i % 7));
  values[3] = -0.0f;
  values[100] = std::numeric_limits<float>::denorm_min();
  values[200] = std::numeric_limits<float>::max();
  const std::string text = encode_embedding(values);
  EXPECT_EQ(text.size(), (512u * 4 + 2) / 3 * 4);
  const auto decoded = decode_embedding(text);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>((*decoded)[i]), std::bit_cast<std::uint32_t>(values[i])) << i;
  }
}

TEST(EmbeddingText, CorruptTextIsRejected) {
  EXPECT_FALSE(decode_embedding("AACAPw="));   // length not a multiple of 4
  EXPECT_FALSE(decode_embedding("AACA Pw="));  // a character outside the alphabet
  EXPECT_FALSE(decode_embedding("AACAPw-_"));  // the URL-safe alphabet is not ours
  EXPECT_FALSE(decode_embedding("AA=APw=="));  // padding in the middle
  EXPECT_FALSE(decode_embedding("AACAP==="));  // three padding characters
  EXPECT_FALSE(decode_embedding("===="));      // nothing but padding
  EXPECT_FALSE(decode_embedding("AACAPx=="));  // bits after the last byte are not zero
  EXPECT_FALSE(decode_embedding("AACA"));      // 3 bytes: not a whole float
  EXPECT_FALSE(decode_embedding("AACAPwAA"));  // 6 bytes: not whole floats
  EXPECT_FALSE(decode_embedding(std::string("AACAPw=\0", 8)));
}

}  // namespace
}  // namespace bisk

// Small pieces of the sentences BISK writes to operators.
#pragma once

#include <string>
#include <string_view>

namespace bisk {

// 'text' in single quotes, as names appear in messages.
inline std::string quoted(std::string_view text) {
  std::string result;
  result.reserve(text.size() + 2);
  result += '\'';
  result += text;
  result += '\'';
  return result;
}

}  // namespace bisk

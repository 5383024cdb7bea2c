// Private to the schedule component: small pieces of the sentences it writes.
#pragma once

#include <string>
#include <string_view>

namespace bisk {

// 'text' in single quotes, as names appear in details and explanations. Built by
// appending: GCC 12's -Wrestrict misfires on "'" + std::string(...) at -O2.
inline std::string quoted(std::string_view text) {
  std::string result;
  result.reserve(text.size() + 2);
  result += '\'';
  result += text;
  result += '\'';
  return result;
}

}  // namespace bisk

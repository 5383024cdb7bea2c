#include "common/url.h"

#include <algorithm>
#include <cctype>

namespace bisk {

std::string mask_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  // The last '@' of the authority ends the userinfo: passwords may contain '@'.
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  const auto colon = url.substr(0, at).find(':', authority_start);
  if (colon == std::string_view::npos) return std::string(url);
  std::string masked(url.substr(0, colon + 1));
  masked += "***";
  masked += url.substr(at);
  return masked;
}

std::string url_scheme(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return scheme;
}

}  // namespace bisk

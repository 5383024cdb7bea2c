#include "common/url.h"

#include <algorithm>
#include <cctype>

namespace bisk {
namespace {

constexpr auto kNpos = std::string_view::npos;

// RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool is_scheme(std::string_view text) {
  if (text.empty() || !std::isalpha(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; });
}

bool is_port(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The position of the '@' that ends the userinfo, or kNpos when there is none.
size_t find_userinfo_end(std::string_view url, size_t authority_start) {
  const auto authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  const auto authority = url.substr(authority_start, authority_end - authority_start);
  // The last '@' of the authority ends the userinfo: passwords may contain '@'.
  if (const auto at = authority.rfind('@'); at != kNpos) return authority_start + at;
  // Passwords are often typed raw and may then contain '/', '?' or '#', which end the
  // authority early ("rtsp://u:p/ss@host"). When what follows the first ':' is not a port,
  // the text can only be "user:password", so everything up to the last '@' is masked:
  // hiding too much of a URL beats printing a password.
  const auto colon = authority.find(':');
  if (colon == kNpos || authority.starts_with('[') || is_port(authority.substr(colon + 1))) return kNpos;
  const auto last_at = url.rfind('@');
  return last_at != kNpos && last_at > authority_end ? last_at : kNpos;
}

}  // namespace

std::string mask_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == kNpos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto at = find_userinfo_end(url, authority_start);
  if (at == kNpos) return std::string(url);
  const auto colon = url.find(':', authority_start);
  if (colon >= at) return std::string(url);  // a user name without a password
  std::string masked(url.substr(0, colon + 1));
  masked += "***";
  masked += url.substr(at);
  return masked;
}

std::string url_scheme(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == kNpos || !is_scheme(url.substr(0, scheme_end))) return "";
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return scheme;
}

std::optional<std::pair<std::string, std::string>> split_url(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos || scheme == 0) return std::nullopt;
  const std::size_t path = url.find('/', scheme + 3);
  const std::string origin = url.substr(0, path);
  if (origin.size() == scheme + 3) return std::nullopt;
  return std::make_pair(origin, path == std::string::npos ? std::string("/") : url.substr(path));
}

}  // namespace bisk

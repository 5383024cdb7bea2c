#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace bisk {

// Replaces the password of a URL's userinfo with "***" ("rtsp://u:***@h/x");
// a URL without a password is returned unchanged. The only form in which a
// camera URL may be printed, logged or returned by the API.
std::string mask_url(std::string_view url);

// The URL's scheme in lower case ("rtsp", "http", "file"), empty when there is none.
std::string url_scheme(std::string_view url);

// Splits "scheme://host:port/path" into the origin and the path ("/" when
// absent); nullopt for a URL without scheme or host.
std::optional<std::pair<std::string, std::string>> split_url(const std::string& url);

}  // namespace bisk

#pragma once

#include <string>
#include <string_view>

namespace bisk {

// Replaces the password of a URL's userinfo with "***" ("rtsp://u:***@h/x");
// a URL without a password is returned unchanged. The only form in which a
// camera URL may be printed, logged or returned by the API.
std::string mask_url(std::string_view url);

// The URL's scheme in lower case ("rtsp", "http", "file"), empty when there is none.
std::string url_scheme(std::string_view url);

}  // namespace bisk

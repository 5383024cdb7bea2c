#include "runner/stream_errors.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>

extern "C" {
#include <libavutil/error.h>
}

#include "common/url.h"

namespace bisk {
namespace {

bool contains(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

// The HTTP/RTSP status after "failed: " or "returned " ("method DESCRIBE failed: 503 Service Unavailable").
int status_code(std::string_view line) {
  for (std::string_view marker : {"failed: ", "returned "}) {
    const auto at = line.find(marker);
    if (at == std::string_view::npos) continue;
    const auto digits = line.substr(at + marker.size(), 3);
    if (digits.size() == 3 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::stoi(std::string(digits));
  }
  return 0;
}

std::string trimmed(std::string_view line) {
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
  return std::string(line);
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

StreamError classify_ffmpeg_line(std::string_view line) {
  using K = StreamErrorKind;
  const int status = status_code(line);
  if (status == 401 || contains(line, "401 Unauthorized"))
    return {K::kUnauthorized, "401 unauthorized: wrong user name or password"};
  if (status == 403 || contains(line, "403 Forbidden")) return {K::kForbidden, "403 forbidden by the camera"};
  if (status == 404 || contains(line, "404 Not Found"))
    return {K::kNotFound, "404 not found: the camera has no stream at this path (DESCRIBE failed)"};
  if (status == 461 || contains(line, "Unsupported transport") || contains(line, "Nonmatching transport"))
    return {K::kTransport, "the camera refused the RTSP transport (try rtsp_transport tcp or udp)"};
  if (status >= 500 && status <= 599) return {K::kServerError, "server error " + std::to_string(status)};
  if (contains(line, "5XX Server Error")) return {K::kServerError, "server error 5xx"};
  if (contains(line, "Connection refused")) return {K::kConnectionRefused, "connection refused"};
  if (contains(line, "timed out") || contains(line, "timeout"))
    return {K::kTimeout, "timeout: the camera did not answer or stopped sending"};
  if (contains(line, "No route to host") || contains(line, "Network is unreachable") ||
      contains(line, "Name or service not known") || contains(line, "Failed to resolve") ||
      contains(line, "Temporary failure in name resolution"))
    return {K::kUnreachable, "host unreachable: " + trimmed(line.substr(line.rfind(':') + 1))};
  if (contains(line, "Invalid data found")) return {K::kInvalidData, "invalid data: not a stream FFmpeg can decode"};
  if (contains(line, "Option not found") || contains(line, "Unrecognized option") ||
      contains(line, "Error splitting the argument list"))
    return {K::kOptionNotFound, "FFmpeg option not found (this FFmpeg build does not support an option)"};
  if (contains(line, "No such file or directory")) return {K::kNotFound, "no such file or directory"};
  if (contains(line, "Server returned 4")) return {K::kOther, "request refused by the server: " + trimmed(line)};
  return {};
}

StreamError classify_averror(int averror) {
  using K = StreamErrorKind;
  switch (averror) {
    case AVERROR_HTTP_UNAUTHORIZED:
      return {K::kUnauthorized, "401 unauthorized: wrong user name or password"};
    case AVERROR_HTTP_FORBIDDEN:
      return {K::kForbidden, "403 forbidden by the camera"};
    case AVERROR_HTTP_NOT_FOUND:
      return {K::kNotFound, "404 not found: the camera has no stream at this path (DESCRIBE failed)"};
    case AVERROR_HTTP_SERVER_ERROR:
      return {K::kServerError, "server error 5xx"};
    case AVERROR(ECONNREFUSED):
      return {K::kConnectionRefused, "connection refused"};
    case AVERROR(ETIMEDOUT):
      return {K::kTimeout, "timeout: the camera did not answer or stopped sending"};
    case AVERROR(EHOSTUNREACH):
    case AVERROR(ENETUNREACH):
      return {K::kUnreachable, "host unreachable"};
    case AVERROR_INVALIDDATA:
      return {K::kInvalidData, "invalid data: not a stream FFmpeg can decode"};
    case AVERROR_OPTION_NOT_FOUND:
      return {K::kOptionNotFound, "FFmpeg option not found (this FFmpeg build does not support an option)"};
    case AVERROR_EOF:
      return {K::kEndOfStream, "end of stream"};
    case AVERROR(ENOENT):
      return {K::kNotFound, "no such file or directory"};
    case AVERROR_HTTP_BAD_REQUEST:
    case AVERROR_HTTP_OTHER_4XX:
      return {K::kOther, "request refused by the server (4xx)"};
    default:
      break;
  }
  std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
  av_strerror(averror, text.data(), text.size());
  return {K::kOther, text.data()};
}

std::string mask_secrets(std::string_view line, std::string_view url) {
  std::string out(line);
  const std::string masked = mask_url(url);
  if (masked == url) return out;
  replace_all(out, url, masked);
  // masked = prefix + "***" + suffix and url = prefix + password + suffix.
  const auto stars = masked.find("***");
  if (stars == std::string::npos) return out;
  const size_t suffix = masked.size() - stars - 3;
  if (url.size() < stars + suffix) return out;
  const std::string password(url.substr(stars, url.size() - stars - suffix));
  // A very short password would mask innocent text; the URL itself is masked above.
  if (password.size() >= 3) {
    replace_all(out, password, "***");
    replace_all(out, percent_decode(password), "***");
  }
  return out;
}

}  // namespace bisk

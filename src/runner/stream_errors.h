// Turns what FFmpeg says when a stream fails (its stderr lines, or an AVERROR
// code with av_strerror's text) into a short readable error for logs and
// heartbeats: "401 unauthorized (wrong user or password)", "connection refused", ...
#pragma once

#include <string>
#include <string_view>

namespace bisk {

enum class StreamErrorKind {
  kNone,
  kUnauthorized,       // RTSP/HTTP 401
  kForbidden,          // 403
  kNotFound,           // 404 on DESCRIBE: wrong path
  kServerError,        // 5xx
  kConnectionRefused,  // nothing listens on that port
  kTimeout,            // no answer / no data in time
  kUnreachable,        // host or network unreachable, unknown host
  kTransport,          // the camera refuses the RTSP transport asked for (461, UDP blocked)
  kInvalidData,        // not a stream FFmpeg can decode
  kOptionNotFound,     // an FFmpeg option this build does not know
  kEndOfStream,        // the stream ended
  kOther,
};

struct StreamError {
  StreamErrorKind kind = StreamErrorKind::kNone;
  std::string message;  // readable, never a password
};

// Classifies one line of FFmpeg output; kNone for lines that say nothing
// about a failure (banners, stream descriptions, progress).
StreamError classify_ffmpeg_line(std::string_view line);

// Classifies an AVERROR code returned by libavformat/libavcodec.
StreamError classify_averror(int averror);

// `line` with every password of `url` replaced ("rtsp://u:***@h/x"): the raw
// URL, its password and its percent-decoded password are all masked.
std::string mask_secrets(std::string_view line, std::string_view url);

}  // namespace bisk

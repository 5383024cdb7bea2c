#include "runner/stream_errors.h"

#include <gtest/gtest.h>

#include <cerrno>

extern "C" {
#include <libavutil/error.h>
}

namespace bisk {
namespace {

using K = StreamErrorKind;

TEST(StreamErrors, MapsFfmpegLines) {
  EXPECT_EQ(classify_ffmpeg_line("[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized").kind, K::kUnauthorized);
  EXPECT_EQ(classify_ffmpeg_line("rtsp://u:***@h/s: Server returned 401 Unauthorized (authorization failed)").kind,
            K::kUnauthorized);
  EXPECT_EQ(classify_ffmpeg_line("[rtsp @ 0x55] method DESCRIBE failed: 404 Not Found").kind, K::kNotFound);
  EXPECT_EQ(classify_ffmpeg_line("[rtsp @ 0x55] method DESCRIBE failed: 403 Forbidden").kind, K::kForbidden);
  EXPECT_EQ(classify_ffmpeg_line("[rtsp @ 0x55] method SETUP failed: 461 Unsupported transport").kind, K::kTransport);
  EXPECT_EQ(classify_ffmpeg_line("[rtsp @ 0x55] Nonmatching transport in server reply").kind, K::kTransport);
  const StreamError server = classify_ffmpeg_line("[rtsp @ 0x55] method DESCRIBE failed: 503 Service Unavailable");
  EXPECT_EQ(server.kind, K::kServerError);
  EXPECT_EQ(server.message, "server error 503");
  EXPECT_EQ(classify_ffmpeg_line("rtsp://h/s: Server returned 5XX Server Error reply").kind, K::kServerError);
  const StreamError refused =
      classify_ffmpeg_line("[tcp @ 0x55] Connection to tcp://127.0.0.1:1?timeout=0 failed: Connection refused");
  EXPECT_EQ(refused.kind, K::kConnectionRefused);
  EXPECT_EQ(refused.message, "connection refused");
  EXPECT_EQ(classify_ffmpeg_line("rtsp://10.0.0.5/s: Connection timed out").kind, K::kTimeout);
  EXPECT_EQ(classify_ffmpeg_line("[tcp @ 0x55] Failed to resolve hostname cam.invalid: Name or service not known").kind,
            K::kUnreachable);
  EXPECT_EQ(classify_ffmpeg_line("x.mp4: Invalid data found when processing input").kind, K::kInvalidData);
  EXPECT_EQ(classify_ffmpeg_line("Unrecognized option 'foo'.").kind, K::kOptionNotFound);
  EXPECT_EQ(classify_ffmpeg_line("Error splitting the argument list: Option not found").kind, K::kOptionNotFound);
  EXPECT_EQ(classify_ffmpeg_line("  Stream #0:0: Video: h264 (High), yuv420p(progressive), 1280x720, 25 fps").kind,
            K::kNone);
  EXPECT_EQ(classify_ffmpeg_line("Input #0, rtsp, from 'rtsp://127.0.0.1:8554/stream':").kind, K::kNone);
}

TEST(StreamErrors, MapsAverrors) {
  EXPECT_EQ(classify_averror(AVERROR_HTTP_UNAUTHORIZED).kind, K::kUnauthorized);
  EXPECT_EQ(classify_averror(AVERROR_HTTP_NOT_FOUND).kind, K::kNotFound);
  EXPECT_EQ(classify_averror(AVERROR_HTTP_SERVER_ERROR).kind, K::kServerError);
  EXPECT_EQ(classify_averror(AVERROR(ECONNREFUSED)).message, "connection refused");
  EXPECT_EQ(classify_averror(AVERROR(ETIMEDOUT)).kind, K::kTimeout);
  EXPECT_EQ(classify_averror(AVERROR_INVALIDDATA).kind, K::kInvalidData);
  EXPECT_EQ(classify_averror(AVERROR_OPTION_NOT_FOUND).kind, K::kOptionNotFound);
  EXPECT_EQ(classify_averror(AVERROR_EOF).kind, K::kEndOfStream);
  EXPECT_FALSE(classify_averror(AVERROR(EPERM)).message.empty());
}

TEST(StreamErrors, MasksPasswords) {
  const std::string url = "rtsp://admin:s3cr%40t@10.0.0.5:554/stream1";
  EXPECT_EQ(mask_secrets("Input #0, rtsp, from 'rtsp://admin:s3cr%40t@10.0.0.5:554/stream1':", url),
            "Input #0, rtsp, from 'rtsp://admin:***@10.0.0.5:554/stream1':");
  EXPECT_EQ(mask_secrets("password s3cr@t and s3cr%40t", url), "password *** and ***");
  EXPECT_EQ(mask_secrets("nothing to hide", "rtsp://10.0.0.5/s"), "nothing to hide");
}

}  // namespace
}  // namespace bisk

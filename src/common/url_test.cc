#include "common/url.h"

#include <gtest/gtest.h>

namespace bisk {
namespace {

TEST(MaskUrlTest, MasksThePassword) {
  EXPECT_EQ(mask_url("rtsp://admin:secret@10.0.0.5:554/stream1"), "rtsp://admin:***@10.0.0.5:554/stream1");
  EXPECT_EQ(mask_url("http://u:p@cam/snap.jpg?size=big"), "http://u:***@cam/snap.jpg?size=big");
  EXPECT_EQ(mask_url("rtsp://admin:@cam/x"), "rtsp://admin:***@cam/x");
  EXPECT_EQ(mask_url("rtsp://admin:secret@cam"), "rtsp://admin:***@cam");
}

TEST(MaskUrlTest, PasswordsWithSeparators) {
  EXPECT_EQ(mask_url("rtsp://admin:p@ss@cam:554/x"), "rtsp://admin:***@cam:554/x");
  EXPECT_EQ(mask_url("rtsp://admin:a:b:c@cam/x"), "rtsp://admin:***@cam/x");
  EXPECT_EQ(mask_url("rtsp://admin:p@s:s@cam/x"), "rtsp://admin:***@cam/x");
  // Raw '/', '?' or '#' end the authority in RFC 3986, yet must not leak the rest of the password.
  EXPECT_EQ(mask_url("rtsp://admin:pa/ss@cam/x"), "rtsp://admin:***@cam/x");
  EXPECT_EQ(mask_url("rtsp://admin:pa?ss@cam/x"), "rtsp://admin:***@cam/x");
  EXPECT_EQ(mask_url("rtsp://admin:pa#ss@cam/x"), "rtsp://admin:***@cam/x");
}

TEST(MaskUrlTest, LeavesUrlsWithoutPasswordsAlone) {
  for (const char* url : {
           "rtsp://cam:554/stream",
           "rtsp://viewer@cam/stream",
           "http://cam/snap?user=a@b.c",
           "http://cam:8080/snap?mail=a@b.c",
           "http://cam/a:b@c",
           "rtsp://[fe80::1]:554/x?a=b@c",
           "file:///var/video/a.mp4",
           "/var/video/a.mp4",
           "",
       }) {
    EXPECT_EQ(mask_url(url), url);
  }
}

TEST(MaskUrlTest, NeverPrintsThePassword) {
  for (const char* url :
       {"rtsp://u:hunter2@cam/x", "rtsp://u:hun/ter2@cam", "http://u:hunter2@cam?q=1#f", "RTSP://u:hunter2@cam"}) {
    EXPECT_EQ(mask_url(url).find("hunter2"), std::string::npos) << url;
    EXPECT_EQ(mask_url(url).find("ter2"), std::string::npos) << url;
  }
}

TEST(UrlSchemeTest, LowerCasesTheScheme) {
  EXPECT_EQ(url_scheme("rtsp://cam/x"), "rtsp");
  EXPECT_EQ(url_scheme("RTSPS://cam/x"), "rtsps");
  EXPECT_EQ(url_scheme("Http://cam"), "http");
  EXPECT_EQ(url_scheme("file:///v.mp4"), "file");
  EXPECT_EQ(url_scheme("svn+ssh://host"), "svn+ssh");
}

TEST(UrlSchemeTest, EmptyWithoutAValidScheme) {
  EXPECT_EQ(url_scheme("/var/video/a.mp4"), "");
  EXPECT_EQ(url_scheme("cam:554/stream"), "");
  EXPECT_EQ(url_scheme("://cam"), "");
  EXPECT_EQ(url_scheme("/dir/x://y"), "");
  EXPECT_EQ(url_scheme("1rtsp://cam"), "");
  EXPECT_EQ(url_scheme(""), "");
}

TEST(SplitUrlTest, OriginAndPath) {
  using Parts = std::pair<std::string, std::string>;
  EXPECT_EQ(split_url("http://127.0.0.1:8000/api/runner/heartbeat/"),
            Parts("http://127.0.0.1:8000", "/api/runner/heartbeat/"));
  EXPECT_EQ(split_url("https://bisk.school.example"), Parts("https://bisk.school.example", "/"));
  EXPECT_EQ(split_url("http://[::1]:8000/hb?x=1"), Parts("http://[::1]:8000", "/hb?x=1"));
  EXPECT_EQ(split_url("http:///path"), std::nullopt);
  EXPECT_EQ(split_url("127.0.0.1:8000/hb"), std::nullopt);
  EXPECT_EQ(split_url("://host/x"), std::nullopt);
}

}  // namespace
}  // namespace bisk

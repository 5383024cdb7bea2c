#include "web/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bisk {
namespace {

TEST(RouteLabelTest, ReplacesNumericSegmentsOnly) {
  EXPECT_EQ(route_label("/api/v1/cameras/12/pause"), "/api/v1/cameras/{id}/pause");
  EXPECT_EQ(route_label("/api/v1/cameras/12"), "/api/v1/cameras/{id}");
  EXPECT_EQ(route_label("/api/runner/heartbeat/"), "/api/runner/heartbeat/");
  EXPECT_EQ(route_label("/api/v1/cameras/12a"), "/api/v1/cameras/12a");
  EXPECT_EQ(route_label("/1/2"), "/{id}/{id}");
  EXPECT_EQ(route_label("/"), "/");
  EXPECT_EQ(route_label(""), "");
}

}  // namespace
}  // namespace bisk

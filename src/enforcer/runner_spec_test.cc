#include "enforcer/runner_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <functional>
#include <set>

#include "config/config.h"
#include "testing/test_databases.h"

namespace bisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "pa55w0rd";
constexpr char kCameraUrl[] = "rtsp://admin:pa55w0rd@10.0.0.5:554/stream1";
constexpr char kKey[] = "0123456789abcdef-heartbeat-key";

Camera camera() {
  Camera camera;
  camera.id = 7;
  camera.name = "Gate";
  camera.url = kCameraUrl;
  return camera;
}

StreamProfile profile() {
  StreamProfile profile;
  profile.id = 3;
  profile.name = "HD";
  return profile;
}

RunnerLaunch launch() {
  return RunnerLaunch{.program = "/usr/bin/bisk",
                      .impl = "ffmpeg_all",
                      .heartbeat_url = "http://127.0.0.1:8000/api/runner/heartbeat/",
                      .heartbeat_key = kKey,
                      .snapshot_dir = "/var/lib/bisk/media/snapshots",
                      .gpu_index = std::nullopt,
                      .owner = "node1:4242",
                      .base_env = {"LANG=C.UTF-8", "PATH=/usr/bin:/bin"}};
}

ResourceSettings global_resources() {
  ResourceSettings resources;
  resources.id = 1;
  return resources;
}

ResourceSettings camera_resources() {
  ResourceSettings resources;
  resources.id = 2;
  resources.camera_id = 7;
  return resources;
}

RunnerSpec build(const Camera& c = camera(), const StreamProfile& p = profile(),
                 const std::optional<ResourceSettings>& global = std::nullopt,
                 const std::optional<ResourceSettings>& per_camera = std::nullopt, const RunnerLaunch& l = launch()) {
  return build_runner_spec(c, p, global, per_camera, l);
}

RunnerSpec build_with(const std::optional<ResourceSettings>& global,
                      const std::optional<ResourceSettings>& per_camera = std::nullopt) {
  return build(camera(), profile(), global, per_camera);
}

// The value following `flag` in argv; nullopt when the flag is absent.
std::optional<std::string> flag(const RunnerSpec& spec, std::string_view name) {
  const auto it = std::find(spec.argv.begin(), spec.argv.end(), name);
  if (it == spec.argv.end() || std::next(it) == spec.argv.end()) return std::nullopt;
  return *std::next(it);
}

std::optional<std::string> env(const RunnerSpec& spec, std::string_view key) {
  const std::string prefix = std::string(key) + "=";
  for (const std::string& entry : spec.env) {
    if (entry.starts_with(prefix)) return entry.substr(prefix.size());
  }
  return std::nullopt;
}

// ---- argv ----------------------------------------------------------------------

TEST(RunnerSpecTest, DefaultArgvFollowsSpecFive) {
  const RunnerSpec spec = build();
  EXPECT_EQ(spec.camera_id, 7);
  EXPECT_EQ(spec.profile_id, 3);
  EXPECT_THAT(spec.argv,
              ElementsAre("/usr/bin/bisk", "runner", "--impl", "ffmpeg_all", "--camera", "7", "--profile", "3", "--fps",
                          "5", "--det_set", "auto", "--hb", "http://127.0.0.1:8000/api/runner/heartbeat/",
                          "--hb_interval", "10", "--snapshots", "/var/lib/bisk/media/snapshots", "--snapshot_every",
                          "30", "--min_score", "0.5", "--min_face_px", "40"));
  EXPECT_EQ(spec.hb_interval_s, 10);
  EXPECT_EQ(spec.nice, std::nullopt);
  EXPECT_EQ(spec.cpu_affinity, std::nullopt);
}

TEST(RunnerSpecTest, EveryOptionalFlagInSpecOrder) {
  StreamProfile p = profile();
  p.rtsp_transport = "tcp";
  ResourceSettings resources = global_resources();
  resources.device = "cuda";
  resources.gpu_index = 1;
  resources.hwaccel = "cuda";
  RunnerLaunch l = launch();
  l.impl = "ffmpeg_one";
  const RunnerSpec spec = build(camera(), p, resources, std::nullopt, l);
  EXPECT_THAT(spec.argv,
              ElementsAre("/usr/bin/bisk", "runner", "--impl", "ffmpeg_one", "--camera", "7", "--profile", "3", "--fps",
                          "5", "--det_set", "auto", "--hb", "http://127.0.0.1:8000/api/runner/heartbeat/",
                          "--hb_interval", "10", "--snapshots", "/var/lib/bisk/media/snapshots", "--snapshot_every",
                          "30", "--rtsp_transport", "tcp", "--device", "cuda", "--gpu_index", "1", "--hwaccel", "cuda",
                          "--min_score", "0.5", "--min_face_px", "40"));
}

TEST(RunnerSpecTest, ArgvNeverHoldsASecretButTheEnvironmentDoes) {
  const RunnerSpec spec = build();
  for (const std::string& arg : spec.argv) {
    EXPECT_THAT(arg, Not(HasSubstr(kPassword)));
    EXPECT_THAT(arg, Not(HasSubstr(kKey)));
    EXPECT_THAT(arg, Not(HasSubstr("rtsp://")));
  }
  EXPECT_THAT(spec.argv_masked, Not(HasSubstr(kPassword)));
  EXPECT_THAT(spec.argv_masked, Not(HasSubstr(kKey)));
  EXPECT_EQ(env(spec, "BISK_RTSP_URL"), kCameraUrl);
  EXPECT_EQ(env(spec, "BISK_HEARTBEAT_KEY"), kKey);
  EXPECT_EQ(env(spec, "BISK_RUNNER_OWNER"), "node1:4242");
}

TEST(RunnerSpecTest, ProfileKnobsPassThrough) {
  StreamProfile p = profile();
  p.hb_interval = 20;
  p.snapshot_every = 120;
  p.min_score = 0.45;
  p.min_face_px = 64;
  p.det_set = "800";
  const RunnerSpec spec = build(camera(), p);
  EXPECT_EQ(flag(spec, "--hb_interval"), "20");
  EXPECT_EQ(spec.hb_interval_s, 20);
  EXPECT_EQ(flag(spec, "--snapshot_every"), "120");
  EXPECT_EQ(flag(spec, "--min_score"), "0.45");
  EXPECT_EQ(flag(spec, "--min_face_px"), "64");
  EXPECT_EQ(flag(spec, "--det_set"), "800");
}

// ---- Resources: which layers count ---------------------------------------------

TEST(RunnerSpecTest, ActiveGlobalResourcesApply) {
  ResourceSettings global = global_resources();
  global.cpu_nice = 5;
  global.cpu_affinity = "0-1";
  global.min_face_px = 80;
  const RunnerSpec spec = build_with(global);
  EXPECT_EQ(spec.nice, 5);
  EXPECT_EQ(spec.cpu_affinity, "0-1");
  EXPECT_EQ(flag(spec, "--min_face_px"), "80");
}

TEST(RunnerSpecTest, InactiveGlobalResourcesAreIgnored) {
  ResourceSettings global = global_resources();
  global.is_active = false;
  global.cpu_nice = 5;
  global.max_fps = 1;
  global.device = "cuda";
  EXPECT_EQ(build_with(global).argv, build().argv);
  EXPECT_EQ(build_with(global).nice, std::nullopt);
}

TEST(RunnerSpecTest, InactiveCameraResourcesAreIgnored) {
  ResourceSettings global = global_resources();
  global.cpu_nice = 5;
  ResourceSettings per_camera = camera_resources();
  per_camera.is_active = false;
  per_camera.cpu_nice = 10;
  per_camera.max_fps = 1;
  const RunnerSpec spec = build_with(global, per_camera);
  EXPECT_EQ(spec.nice, 5);
  EXPECT_EQ(flag(spec, "--fps"), "5");
}

TEST(RunnerSpecTest, CameraResourcesApplyWithoutAnActiveGlobalRow) {
  ResourceSettings global = global_resources();
  global.is_active = false;
  global.cpu_affinity = "0";
  ResourceSettings per_camera = camera_resources();
  per_camera.cpu_nice = 10;
  for (const auto& layer : {std::optional<ResourceSettings>(), std::optional(global)}) {
    const RunnerSpec spec = build_with(layer, per_camera);
    EXPECT_EQ(spec.nice, 10);
    EXPECT_EQ(spec.cpu_affinity, std::nullopt);
  }
}

TEST(RunnerSpecTest, CameraResourcesOverrideTheGlobalOnesFieldByField) {
  ResourceSettings global = global_resources();
  global.device = "cuda";
  global.gpu_index = 0;
  global.hwaccel = "cuda";
  global.cpu_nice = 5;
  global.cpu_affinity = "0-3";
  global.max_fps = 4;
  global.det_set_max = "640";
  global.min_face_px = 50;
  global.crop_format = "jpg";
  global.crop_quality = 80;

  // Each field set on the camera alone: that field changes, the others stay global.
  const std::vector<std::function<void(ResourceSettings&)>> overrides = {
      [](ResourceSettings& r) { r.device = "cpu"; },      [](ResourceSettings& r) { r.gpu_index = 2; },
      [](ResourceSettings& r) { r.hwaccel = "none"; },    [](ResourceSettings& r) { r.cpu_nice = 0; },
      [](ResourceSettings& r) { r.cpu_affinity = "5"; },  [](ResourceSettings& r) { r.max_fps = 2.5; },
      [](ResourceSettings& r) { r.det_set_max = "320"; }, [](ResourceSettings& r) { r.min_face_px = 100; },
      [](ResourceSettings& r) { r.crop_format = "png"; }, [](ResourceSettings& r) { r.crop_quality = 95; },
  };
  const RunnerSpec base = build_with(global);
  EXPECT_EQ(build_with(global, camera_resources()).hash, base.hash) << "an empty override changes nothing";
  for (size_t i = 0; i < overrides.size(); ++i) {
    ResourceSettings per_camera = camera_resources();
    overrides[i](per_camera);
    ResourceSettings expected = global;  // what one merged global row would give
    overrides[i](expected);
    const RunnerSpec spec = build_with(global, per_camera);
    const RunnerSpec reference = build_with(expected);
    EXPECT_EQ(spec.argv, reference.argv) << "override " << i;
    EXPECT_EQ(spec.env, reference.env) << "override " << i;
    EXPECT_EQ(spec.nice, reference.nice) << "override " << i;
    EXPECT_EQ(spec.cpu_affinity, reference.cpu_affinity) << "override " << i;
    EXPECT_NE(spec.hash, base.hash) << "override " << i;
  }
}

TEST(RunnerSpecTest, MergedResourcesReachArgvEnvNiceAndAffinity) {
  ResourceSettings global = global_resources();
  global.device = "cuda";
  global.cpu_affinity = "0-3";
  global.crop_format = "jpg";
  ResourceSettings per_camera = camera_resources();
  per_camera.cpu_nice = -5;
  per_camera.hwaccel = "none";
  per_camera.crop_quality = 70;
  const RunnerSpec spec = build_with(global, per_camera);
  EXPECT_EQ(flag(spec, "--device"), "cuda");
  EXPECT_EQ(flag(spec, "--hwaccel"), "none");
  EXPECT_EQ(spec.nice, -5);
  EXPECT_EQ(spec.cpu_affinity, "0-3");
  EXPECT_EQ(env(spec, "BISK_CROP_FORMAT"), "jpg");
  EXPECT_EQ(env(spec, "BISK_CROP_QUALITY"), "70");
}

TEST(RunnerSpecTest, CropSettingsAreExportedOnlyWhenSet) {
  const RunnerSpec spec = build();
  EXPECT_EQ(env(spec, "BISK_CROP_FORMAT"), std::nullopt);
  EXPECT_EQ(env(spec, "BISK_CROP_QUALITY"), std::nullopt);
}

// ---- Caps ------------------------------------------------------------------------

struct FpsCase {
  double fps;
  std::optional<double> max_fps;
  std::string expected;
};

TEST(RunnerSpecTest, FpsIsCappedAndWrittenWithoutTrailingZeros) {
  const FpsCase cases[] = {
      {5, std::nullopt, "5"}, {6, std::nullopt, "6"}, {2.5, std::nullopt, "2.5"}, {6, 10, "6"}, {6, 2.5, "2.5"},
      {10, 6, "6"},           {0.5, 1, "0.5"},        {12.25, 12.25, "12.25"},
  };
  for (const FpsCase& c : cases) {
    StreamProfile p = profile();
    p.fps = c.fps;
    ResourceSettings global = global_resources();
    global.max_fps = c.max_fps;
    EXPECT_EQ(flag(build(camera(), p, global), "--fps"), c.expected) << c.fps;
  }
}

struct DetCase {
  std::string det_set;
  std::optional<std::string> det_set_max;
  std::string expected;
};

TEST(RunnerSpecTest, DetSetIsCapped) {
  const DetCase cases[] = {
      {"auto", std::nullopt, "auto"}, {"auto", "640", "640"}, {"800", "640", "640"},        {"480", "640", "480"},
      {"640", "640", "640"},          {"1024", "320", "320"}, {"640", std::nullopt, "640"},
  };
  for (const DetCase& c : cases) {
    StreamProfile p = profile();
    p.det_set = c.det_set;
    ResourceSettings global = global_resources();
    global.det_set_max = c.det_set_max;
    EXPECT_EQ(flag(build(camera(), p, global), "--det_set"), c.expected) << c.det_set;
  }
}

// ---- Transport -------------------------------------------------------------------

struct TransportCase {
  std::string profile;
  std::string camera;
  std::optional<std::string> expected;  // nullopt: no --rtsp_transport
};

TEST(RunnerSpecTest, TransportInheritsFromTheCameraAndAutoIsNotEmitted) {
  const TransportCase cases[] = {
      {"inherit", "auto", std::nullopt},
      {"inherit", "tcp", "tcp"},
      {"inherit", "udp", "udp"},
      {"tcp", "udp", "tcp"},
      {"udp", "auto", "udp"},
      {"auto", "tcp", std::nullopt},
  };
  for (const TransportCase& c : cases) {
    Camera cam = camera();
    cam.rtsp_transport = c.camera;
    StreamProfile p = profile();
    p.rtsp_transport = c.profile;
    EXPECT_EQ(flag(build(cam, p), "--rtsp_transport"), c.expected) << c.profile << "/" << c.camera;
  }
}

// ---- GPU -------------------------------------------------------------------------

struct GpuCase {
  std::optional<std::string> device;
  std::optional<std::string> hwaccel;
  std::optional<int> resource_index;
  std::optional<int> launch_index;
  std::optional<std::string> expected;  // --gpu_index, nullopt: absent
};

TEST(RunnerSpecTest, GpuIndexFallsBackToTheLaunchDefaultOnlyForGpuRunners) {
  const GpuCase cases[] = {
      {std::nullopt, std::nullopt, std::nullopt, 1, std::nullopt},  // BISK_GPU_INDEX alone: still CPU
      {"cpu", std::nullopt, std::nullopt, 1, std::nullopt},
      {"cpu", "none", std::nullopt, 1, std::nullopt},
      {"cuda", std::nullopt, std::nullopt, 1, "1"},
      {std::nullopt, "cuda", std::nullopt, 1, "1"},  // GPU decoding needs a GPU too
      {"cuda", std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {"cuda", std::nullopt, 2, 1, "2"},
      {std::nullopt, std::nullopt, 2, 1, "2"},  // placed on a GPU by the operator
      {"cpu", std::nullopt, 0, std::nullopt, "0"},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    const GpuCase& c = cases[i];
    ResourceSettings global = global_resources();
    global.device = c.device;
    global.hwaccel = c.hwaccel;
    global.gpu_index = c.resource_index;
    RunnerLaunch l = launch();
    l.gpu_index = c.launch_index;
    const RunnerSpec spec = build(camera(), profile(), global, std::nullopt, l);
    EXPECT_EQ(flag(spec, "--gpu_index"), c.expected) << "case " << i;
    EXPECT_EQ(flag(spec, "--device"), c.device) << "case " << i;
    EXPECT_EQ(flag(spec, "--hwaccel"), c.hwaccel) << "case " << i;
  }
}

TEST(RunnerSpecTest, CameraGpuIndexOverridesTheGlobalOne) {
  ResourceSettings global = global_resources();
  global.device = "cuda";
  global.gpu_index = 0;
  ResourceSettings per_camera = camera_resources();
  per_camera.gpu_index = 3;
  RunnerLaunch l = launch();
  l.gpu_index = 1;
  EXPECT_EQ(flag(build(camera(), profile(), global, per_camera, l), "--gpu_index"), "3");
}

// ---- Environment -----------------------------------------------------------------

TEST(RunnerSpecTest, EnvironmentIsSortedUniqueAndTheSpecWins) {
  RunnerLaunch l = launch();
  l.base_env = {"ZED=last", "BISK_RTSP_URL=rtsp://stale", "BISK_HEARTBEAT_KEY=old", "OPTS=a=b=c", "AAA=first"};
  ResourceSettings global = global_resources();
  global.crop_format = "png";
  const RunnerSpec spec = build(camera(), profile(), global, std::nullopt, l);
  EXPECT_THAT(spec.env, ElementsAre("AAA=first", "BISK_CROP_FORMAT=png", std::string("BISK_HEARTBEAT_KEY=") + kKey,
                                    std::string("BISK_RTSP_URL=") + kCameraUrl, "BISK_RUNNER_OWNER=node1:4242",
                                    "OPTS=a=b=c", "ZED=last"));
}

// ---- Display ---------------------------------------------------------------------

TEST(RunnerSpecTest, MaskedArgvIsShellQuoted) {
  RunnerLaunch l = launch();
  l.snapshot_dir = "/srv/my snaps/it's";
  const RunnerSpec spec = build(camera(), profile(), std::nullopt, std::nullopt, l);
  EXPECT_EQ(spec.argv_masked,
            "/usr/bin/bisk runner --impl ffmpeg_all --camera 7 --profile 3 --fps 5 --det_set auto --hb "
            "http://127.0.0.1:8000/api/runner/heartbeat/ --hb_interval 10 --snapshots '/srv/my snaps/it'\\''s' "
            "--snapshot_every 30 --min_score 0.5 --min_face_px 40");
}

TEST(RunnerSpecTest, MaskedArgvHidesAHeartbeatUrlPassword) {
  RunnerLaunch l = launch();
  l.heartbeat_url = "https://bisk:proxy-secret@server.lan/api/runner/heartbeat/";
  const RunnerSpec spec = build(camera(), profile(), std::nullopt, std::nullopt, l);
  EXPECT_THAT(spec.argv_masked, HasSubstr("--hb 'https://bisk:***@server.lan/api/runner/heartbeat/' "));
  EXPECT_THAT(spec.argv_masked, Not(HasSubstr("proxy-secret")));
}

// ---- Hash ------------------------------------------------------------------------

TEST(RunnerSpecTest, HashIsStableHexAndLeavesTheBaseEnvironmentOut) {
  const RunnerSpec spec = build();
  EXPECT_EQ(spec.hash.size(), 64u);
  EXPECT_TRUE(std::all_of(spec.hash.begin(), spec.hash.end(), [](unsigned char c) { return std::isxdigit(c); }));
  EXPECT_EQ(build().hash, spec.hash);
  RunnerLaunch l = launch();
  l.base_env = {"PATH=/usr/local/bin:/usr/bin", "TZ=UTC"};
  EXPECT_EQ(build(camera(), profile(), std::nullopt, std::nullopt, l).hash, spec.hash);
}

TEST(RunnerSpecTest, HashChangesWithEveryInput) {
  using Change = std::function<void(Camera&, StreamProfile&, ResourceSettings&, RunnerLaunch&)>;
  const std::vector<std::pair<std::string, Change>> changes = {
      {"camera url", [](Camera& c, auto&, auto&, auto&) { c.url = "rtsp://admin:other@10.0.0.5:554/stream1"; }},
      {"camera id", [](Camera& c, auto&, auto&, auto&) { c.id = 8; }},
      {"camera transport", [](Camera& c, auto&, auto&, auto&) { c.rtsp_transport = "tcp"; }},
      {"profile id", [](auto&, StreamProfile& p, auto&, auto&) { p.id = 4; }},
      {"fps", [](auto&, StreamProfile& p, auto&, auto&) { p.fps = 4; }},
      {"det_set", [](auto&, StreamProfile& p, auto&, auto&) { p.det_set = "640"; }},
      {"profile transport", [](auto&, StreamProfile& p, auto&, auto&) { p.rtsp_transport = "udp"; }},
      {"hb_interval", [](auto&, StreamProfile& p, auto&, auto&) { p.hb_interval = 11; }},
      {"snapshot_every", [](auto&, StreamProfile& p, auto&, auto&) { p.snapshot_every = 31; }},
      {"min_score", [](auto&, StreamProfile& p, auto&, auto&) { p.min_score = 0.6; }},
      {"min_face_px", [](auto&, StreamProfile& p, auto&, auto&) { p.min_face_px = 41; }},
      {"device", [](auto&, auto&, ResourceSettings& r, auto&) { r.device = "cpu"; }},
      {"gpu_index", [](auto&, auto&, ResourceSettings& r, auto&) { r.gpu_index = 0; }},
      {"hwaccel", [](auto&, auto&, ResourceSettings& r, auto&) { r.hwaccel = "none"; }},
      {"nice 0", [](auto&, auto&, ResourceSettings& r, auto&) { r.cpu_nice = 0; }},
      {"nice 5", [](auto&, auto&, ResourceSettings& r, auto&) { r.cpu_nice = 5; }},
      {"affinity", [](auto&, auto&, ResourceSettings& r, auto&) { r.cpu_affinity = "1"; }},
      {"empty affinity", [](auto&, auto&, ResourceSettings& r, auto&) { r.cpu_affinity = ""; }},
      {"max_fps", [](auto&, auto&, ResourceSettings& r, auto&) { r.max_fps = 2; }},
      {"det_set_max", [](auto&, auto&, ResourceSettings& r, auto&) { r.det_set_max = "320"; }},
      {"crop_format", [](auto&, auto&, ResourceSettings& r, auto&) { r.crop_format = "png"; }},
      {"crop_quality", [](auto&, auto&, ResourceSettings& r, auto&) { r.crop_quality = 90; }},
      {"resources inactive", [](auto&, auto&, ResourceSettings& r, auto&) { r.is_active = false; }},
      {"program", [](auto&, auto&, auto&, RunnerLaunch& l) { l.program = "/opt/bisk/bin/bisk"; }},
      {"impl", [](auto&, auto&, auto&, RunnerLaunch& l) { l.impl = "ffmpeg_one"; }},
      {"heartbeat url", [](auto&, auto&, auto&, RunnerLaunch& l) { l.heartbeat_url = "http://10.0.0.1/hb/"; }},
      {"heartbeat key", [](auto&, auto&, auto&, RunnerLaunch& l) { l.heartbeat_key = "another-key"; }},
      {"snapshot dir", [](auto&, auto&, auto&, RunnerLaunch& l) { l.snapshot_dir = "/tmp/snaps"; }},
      {"owner", [](auto&, auto&, auto&, RunnerLaunch& l) { l.owner = "node2:1"; }},
      {"launch gpu", [](auto&, auto&, auto&, RunnerLaunch& l) { l.gpu_index = 3; }},
  };
  // The baseline is a GPU runner, so that the launch default GPU matters.
  ResourceSettings base_resources = global_resources();
  base_resources.device = "cuda";
  base_resources.max_fps = 10;
  const std::string base_hash = build(camera(), profile(), base_resources).hash;
  std::set<std::string> hashes = {base_hash};
  for (const auto& [name, change] : changes) {
    Camera c = camera();
    StreamProfile p = profile();
    ResourceSettings r = base_resources;
    RunnerLaunch l = launch();
    change(c, p, r, l);
    const std::string hash = build(c, p, r, std::nullopt, l).hash;
    EXPECT_NE(hash, base_hash) << name;
    EXPECT_TRUE(hashes.insert(hash).second) << name << " collides with another change";
  }
}

std::string hex(const unsigned char* data, size_t size) {
  std::string text(size * 2 + 1, '\0');
  sodium_bin2hex(text.data(), text.size(), data, size);
  text.pop_back();
  return text;
}

TEST(RunnerSpecTest, HashRevealsNothingAboutThePassword) {
  const RunnerSpec spec = build();
  EXPECT_THAT(spec.hash, Not(HasSubstr(kPassword)));
  ASSERT_GE(sodium_init(), 0);
  std::vector<std::string> plain_digests;
  for (const std::string& secret : {std::string(kPassword), std::string(kCameraUrl)}) {
    const auto* data = reinterpret_cast<const unsigned char*>(secret.data());
    std::array<unsigned char, 32> blake{};
    crypto_generichash(blake.data(), blake.size(), data, secret.size(), nullptr, 0);
    std::array<unsigned char, crypto_hash_sha256_BYTES> sha{};
    crypto_hash_sha256(sha.data(), data, secret.size());
    plain_digests.push_back(hex(blake.data(), blake.size()));
    plain_digests.push_back(hex(sha.data(), sha.size()));
  }
  for (const std::string& digest : plain_digests) EXPECT_NE(spec.hash, digest);

  // Keyed: the same spec under another heartbeat key hashes differently, so a
  // leaked hash cannot be matched against guesses without the key.
  RunnerLaunch l = launch();
  l.heartbeat_key = "a-different-key";
  RunnerSpec other = build(camera(), profile(), std::nullopt, std::nullopt, l);
  EXPECT_EQ(other.argv, spec.argv);
  EXPECT_NE(other.hash, spec.hash);
}

// ---- Base environment ------------------------------------------------------------

TEST(RunnerBaseEnvironmentTest, WithholdsSecretsAndServiceVariables) {
  const std::map<std::string, std::string> environment = {
      {"BISK_DATABASE_URL", "postgresql://bisk:dbpass@db/bisk"},
      {"BISK_SECRET_KEY", "s"},
      {"BISK_HEARTBEAT_KEY", "k"},
      {"BISK_RUNNER_HB_KEY", "k"},
      {"BISK_RUNNER_HB_URL", "http://x/"},
      {"BISK_RTSP_URL", "rtsp://u:p@h/"},
      {"BISK_RUNNER_OWNER", "other"},
      {"PGPASSWORD", "dbpass"},
      {"NOTIFY_SOCKET", "/run/systemd/notify"},
      {"WATCHDOG_USEC", "30000000"},
      {"WATCHDOG_PID", "1"},
      {"LISTEN_FDS", "1"},
      {"LISTEN_PID", "1"},
      {"LISTEN_FDNAMES", "x"},
      {"INVOCATION_ID", "abc"},
      {"BISK_ENV_FILE", "/etc/bisk/bisk.env"},
      {"PATH", "/usr/bin:/bin"},
      {"LANG", "C.UTF-8"},
      {"BISK_TIME_ZONE", "Europe/Berlin"},
      {"BISK_HEARTBEAT_URL", "http://127.0.0.1:8000/api/runner/heartbeat/"},
      {"EQUALS", "a=b"},
  };
  EXPECT_THAT(runner_base_environment(environment),
              ElementsAre("BISK_ENV_FILE=", "BISK_HEARTBEAT_URL=http://127.0.0.1:8000/api/runner/heartbeat/",
                          "BISK_TIME_ZONE=Europe/Berlin", "EQUALS=a=b", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"));
}

TEST(RunnerBaseEnvironmentTest, EmptyEnvironmentStillDisablesTheEnvFile) {
  EXPECT_THAT(runner_base_environment({}), ElementsAre("BISK_ENV_FILE="));
}

// What the runner's own configuration sees: no env file, so not the database
// password the default env file holds.
TEST(RunnerBaseEnvironmentTest, ARunnerLoadingTheConfigurationReadsNoEnvFile) {
  testing::TempDir dir;
  const std::string env_file = dir.file("bisk.env");
  std::ofstream(env_file) << "BISK_DATABASE_URL=postgresql://bisk:dbpass@db/bisk\n";
  RunnerLaunch l = launch();
  l.base_env = runner_base_environment({{"BISK_ENV_FILE", env_file}, {"PATH", "/usr/bin"}});
  const RunnerSpec spec = build(camera(), profile(), std::nullopt, std::nullopt, l);

  ConfigInputs inputs;
  inputs.default_env_file = env_file;
  for (const std::string& entry : spec.env) {
    const auto equals = entry.find('=');
    inputs.environment[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  const LoadedConfig config = load_config(inputs);
  EXPECT_EQ(config.settings.env_file, "");
  EXPECT_EQ(config.settings.database_url, "sqlite:///var/lib/bisk/bisk.db");
  EXPECT_EQ(config.settings.heartbeat_key, kKey);
  EXPECT_THAT(render_config(config), Not(HasSubstr("dbpass")));
}

}  // namespace
}  // namespace bisk

#include "support/runner_api_fixture.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "domain/runner_status.h"

namespace bisk::testing {

RunnerApiFixture::RunnerApiFixture() : database_(GetParam()), media_dir_(home_.file("media")) {
  std::ofstream(home_.file("bisk.env")) << "# empty env file for tests\n";
  std::filesystem::create_directories(media_dir_);
  bisk_ok({"migrate"});
  db_ = Database::open(database_.url());
}

RunnerApiFixture::~RunnerApiFixture() = default;

std::map<std::string, std::string> RunnerApiFixture::environment() const {
  return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
          {"HOME", home_.path()},
          {"BISK_ENV_FILE", home_.file("bisk.env")},
          {"BISK_DATABASE_URL", database_.url()},
          {"BISK_TIME_ZONE", "Europe/Berlin"},
          {"BISK_NODE", "test-node"},
          {"BISK_HEARTBEAT_KEY", kTestKey},
          {"BISK_MEDIA_DIR", media_dir_},
          {"BISK_MODEL_DIR", std::string(BISK_ASSETS_DIR) + "/models"}};
}

std::string RunnerApiFixture::bisk_ok(std::vector<std::string> args, const std::string& stdin_text) {
  args.insert(args.begin(), BISK_BINARY);
  const ProcessResult result = run_process(args, environment(), stdin_text);
  EXPECT_EQ(result.exit_code, 0) << args[1] << ": " << result.err;
  return result.out;
}

Id RunnerApiFixture::add_camera(const std::string& name) {
  std::string url = "rtsp://camera.invalid/";
  url.append(name);
  bisk_ok({"camera", "add", "--name", name, "--url", url});
  return nlohmann::json::parse(bisk_ok({"camera", "show", name, "--json"})).at("id").get<Id>();
}

Id RunnerApiFixture::add_profile(const std::string& name) {
  bisk_ok({"profile", "add", "--name", name, "--fps", "5"});
  return nlohmann::json::parse(bisk_ok({"profile", "show", name, "--json"})).at("id").get<Id>();
}

Id RunnerApiFixture::add_process(Id camera_id, Id profile_id, int pid, const std::string& lifecycle) {
  RunningProcess process;
  process.camera_id = camera_id;
  process.profile_id = profile_id;
  process.node = "test-node";
  process.pid = pid;
  process.process_start_time = 12345;
  process.impl = "ffmpeg_all";
  process.argv_masked = "bisk runner";
  process.spec_hash = "test";
  process.lifecycle = lifecycle;
  process.started_at = now_instant();
  if (!lifecycle_is_live(lifecycle)) process.ended_at = now_instant();
  return ProcessStore(*db_).add(process);
}

std::string RunnerApiFixture::admin_token() {
  bisk_ok({"user", "add", "admin", "--admin", "--password-stdin"}, "correct horse battery staple\n");
  std::string token = bisk_ok({"token", "create", "--user", "admin"});
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

ServerProcess& RunnerApiFixture::server() {
  if (!server_) {
    server_ = std::make_unique<ServerProcess>(environment());
    client_ = std::make_unique<httplib::Client>(server_->client());
  }
  return *server_;
}

httplib::Result RunnerApiFixture::post(const std::string& path, const std::string& body, const std::string& key,
                                       const std::string& content_type) {
  server();
  httplib::Headers headers;
  if (!key.empty()) headers.emplace("X-BISK-KEY", key);
  return client_->Post(path.c_str(), headers, body, content_type.c_str());
}

httplib::Result RunnerApiFixture::get(const std::string& path, const std::string& key) {
  server();
  httplib::Headers headers;
  if (!key.empty()) headers.emplace("X-BISK-KEY", key);
  return client_->Get(path.c_str(), headers);
}

std::string RunnerApiFixture::heartbeat_body(Id camera_id, Id profile_id, int pid, const std::string& extra) {
  std::string body = R"({"camera_id":)";
  body.append(std::to_string(camera_id)).append(R"(,"profile_id":)").append(std::to_string(profile_id));
  body.append(R"(,"pid":)").append(std::to_string(pid));
  if (!extra.empty()) body.append(",").append(extra);
  body.append("}");
  return body;
}

}  // namespace bisk::testing

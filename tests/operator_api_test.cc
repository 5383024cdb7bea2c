// The operator API (/api/v1/…, SPEC §6) against a real `bisk serve` on both
// backends: CRUD of every resource, the error statuses, the actions (which
// only record requests for the enforcer), the read-only views, and an auth
// sweep over every route.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/attendance_store.h"
#include "support/runner_api_fixture.h"

extern char** environ;

namespace bisk::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "S3cret-pw";

struct Reply {
  int status = 0;
  json body;
  std::string text;
};

class OperatorApiTest : public RunnerApiFixture {
 protected:
  OperatorApiTest() : token_(admin_token()) {}

  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             httplib::Headers headers = {}) {
    if (headers.empty()) headers.emplace("Authorization", "Bearer " + token_);
    httplib::Request request;
    request.method = method;
    request.path = path;
    request.headers = headers;
    request.body = body;
    if (!body.empty()) request.set_header("Content-Type", "application/json");
    httplib::Client client = server().client();
    const auto result = client.send(request);
    EXPECT_TRUE(result) << method << " " << path;
    if (!result) return {};
    answers_ += result->body;
    return {result->status, json::parse(result->body, nullptr, false), result->body};
  }
  Reply get(const std::string& path) { return call("GET", path); }
  Reply post(const std::string& path, const json& body) { return call("POST", path, body.dump()); }
  Reply patch(const std::string& path, const json& body) { return call("PATCH", path, body.dump()); }
  Reply put(const std::string& path, const json& body) { return call("PUT", path, body.dump()); }
  Reply remove(const std::string& path) { return call("DELETE", path); }

  // POSTs `body` to `path`, expecting 201; returns the new id.
  Id create(const std::string& path, const json& body) {
    const Reply reply = post(path, body);
    EXPECT_EQ(reply.status, 201) << path << ": " << reply.text;
    return reply.body.value("id", Id{0});
  }

  void expect_error(const Reply& reply, int status, const std::string& message_part) {
    EXPECT_EQ(reply.status, status) << reply.text;
    EXPECT_EQ(reply.body["ok"], false) << reply.text;
    EXPECT_THAT(reply.body.value("error", ""), HasSubstr(message_part)) << reply.text;
  }

  // A camera, profile and policy running it all day every day.
  struct Scene {
    Id camera = 0, profile = 0, policy = 0;
  };
  Scene scene() {
    Scene s;
    s.profile = create("/api/v1/profiles", {{"name", "HD"}});
    s.camera = create("/api/v1/cameras", {{"name", "Gate"}, {"url", "rtsp://cam.invalid/s"}});
    json windows = json::array();
    for (int day = 0; day < 7; ++day) {
      windows.push_back({{"day_of_week", day}, {"start", "00:00"}, {"end", "00:00"}, {"profile_id", s.profile}});
    }
    s.policy = create("/api/v1/policies", {{"name", "Always"}, {"camera_ids", {s.camera}}, {"windows", windows}});
    return s;
  }

  // Logs in through POST /api/v1/login: the session cookie ("bisk_session=…")
  // and its CSRF token; empty (after a failure) when the login was refused.
  struct Session {
    std::string cookie;
    std::string csrf_token;
  };
  Session log_in(const std::string& username, const std::string& password) {
    httplib::Client client = server().client();
    const auto login =
        client.Post("/api/v1/login", json({{"username", username}, {"password", password}}).dump(), "application/json");
    EXPECT_TRUE(login && login->status == 200) << "login of " << username;
    if (!login || login->status != 200) return {};
    const std::string set_cookie = login->get_header_value("Set-Cookie");
    return {set_cookie.substr(0, set_cookie.find(';')), json::parse(login->body).value("csrf_token", "")};
  }

  std::string token_;
  std::string answers_;  // every response body, to check that no secret was ever answered
};

TEST_P(OperatorApiTest, CameraCrudRoundTripNeverAnswersThePassword) {
  const Id period = create("/api/v1/period-templates", {{"name", "P1"}, {"start", "08:00"}, {"end", "08:45"}});
  const std::string url = std::string("rtsp://admin:") + kPassword + "@10.0.0.5:554/stream1";
  const Reply created = post("/api/v1/cameras", {{"name", "Gate"},
                                                 {"url", url},
                                                 {"location", "Door"},
                                                 {"rtsp_transport", "tcp"},
                                                 {"period_template_ids", {period}},
                                                 {"node", "host-b"}});
  ASSERT_EQ(created.status, 201) << created.text;
  const Id id = created.body["id"];
  EXPECT_EQ(created.body["url"], "rtsp://admin:***@10.0.0.5:554/stream1");
  EXPECT_EQ(created.body["period_template_ids"], json::array({period}));
  EXPECT_EQ(created.body["is_active"], true);
  const std::string one = "/api/v1/cameras/" + std::to_string(id);
  EXPECT_EQ(get(one).body, created.body);
  const Reply list = get("/api/v1/cameras");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body, json({{"items", {created.body}}}));

  const Reply patched = patch(one, {{"location", "Side door"}, {"node", nullptr}, {"is_active", false}});
  ASSERT_EQ(patched.status, 200) << patched.text;
  EXPECT_EQ(patched.body["location"], "Side door");
  EXPECT_TRUE(patched.body["node"].is_null());
  EXPECT_EQ(patched.body["is_active"], false);
  EXPECT_EQ(patched.body["rtsp_transport"], "tcp");  // untouched
  EXPECT_EQ(patched.body["name"], "Gate");
  const Reply new_url = patch(one, {{"url", std::string("rtsp://viewer:") + kPassword + "2@10.0.0.6/s"}});
  EXPECT_EQ(new_url.body["url"], "rtsp://viewer:***@10.0.0.6/s");

  const Reply deleted = remove(one);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, json({{"ok", true}}));
  expect_error(get(one), 404, "no camera with id");
  EXPECT_THAT(answers_, Not(HasSubstr(kPassword)));
  EXPECT_THAT(server().log(), Not(HasSubstr(kPassword)));
}

TEST_P(OperatorApiTest, ProfileStudentAndPeriodTemplateCrudWithPartialPatch) {
  const Id profile = create("/api/v1/profiles", {{"name", "HD"}, {"fps", 8}, {"det_set", "640"}});
  const Reply profile_patched = patch("/api/v1/profiles/" + std::to_string(profile), {{"min_score", 0.6}});
  ASSERT_EQ(profile_patched.status, 200) << profile_patched.text;
  EXPECT_EQ(profile_patched.body["fps"], 8.0);
  EXPECT_EQ(profile_patched.body["det_set"], "640");
  EXPECT_EQ(profile_patched.body["min_score"], 0.6);

  const Id student = create("/api/v1/students", {{"code", "S-1"}, {"first_name", "Ann"}, {"last_name", "Lee"}});
  const Reply student_patched = patch("/api/v1/students/" + std::to_string(student), {{"is_active", false}});
  EXPECT_EQ(
      student_patched.body,
      json({{"id", student}, {"code", "S-1"}, {"first_name", "Ann"}, {"last_name", "Lee"}, {"is_active", false}}));
  EXPECT_EQ(get("/api/v1/students").body["items"].size(), 1u);

  const Id period = create("/api/v1/period-templates",
                           {{"name", "P1"}, {"start", "08:00"}, {"end", "08:45"}, {"weekdays", {0, 2, 4}}});
  const Reply period_patched =
      patch("/api/v1/period-templates/" + std::to_string(period), {{"late_grace_minutes", 5}, {"order", 3}});
  EXPECT_EQ(period_patched.body["weekdays"], json::array({0, 2, 4}));
  EXPECT_EQ(period_patched.body["start"], "08:00");
  EXPECT_EQ(period_patched.body["late_grace_minutes"], 5);
  EXPECT_EQ(period_patched.body["order"], 3);

  for (const std::string& path :
       {"/api/v1/profiles/" + std::to_string(profile), "/api/v1/students/" + std::to_string(student),
        "/api/v1/period-templates/" + std::to_string(period)}) {
    EXPECT_EQ(remove(path).status, 200) << path;
    EXPECT_EQ(get(path).status, 404) << path;
  }
}

TEST_P(OperatorApiTest, PolicyListsAreReplacedOnlyWhenGiven) {
  const Scene s = scene();
  const std::string one = "/api/v1/policies/" + std::to_string(s.policy);
  const Reply stored = get(one);
  ASSERT_EQ(stored.body["windows"].size(), 7u);
  // A record read with GET can be sent back (item ids are ignored).
  Reply patched = patch(one, {{"windows", stored.body["windows"]}, {"exceptions", {{{"date", "2026-12-24"}}}}});
  ASSERT_EQ(patched.status, 200) << patched.text;
  EXPECT_EQ(patched.body["windows"].size(), 7u);
  EXPECT_EQ(patched.body["exceptions"][0]["date"], "2026-12-24");
  EXPECT_EQ(patched.body["exceptions"][0]["mode"], "off");
  patched = patch(one, {{"is_enabled", false}});
  EXPECT_EQ(patched.body["is_enabled"], false);
  EXPECT_EQ(patched.body["windows"].size(), 7u);
  EXPECT_EQ(patched.body["camera_ids"], json::array({s.camera}));
  patched = patch(one, {{"windows", json::array()}, {"camera_ids", json::array()}});
  EXPECT_EQ(patched.body["windows"], json::array());
  EXPECT_EQ(patched.body["camera_ids"], json::array());
  EXPECT_EQ(patched.body["exceptions"].size(), 1u);
}

TEST_P(OperatorApiTest, BadRequestsAreAnsweredWithTheirStatusAndTheField) {
  const Scene s = scene();
  const std::string profile = "/api/v1/profiles/" + std::to_string(s.profile);
  // 400: malformed JSON, wrong types, unknown and read-only fields, missing required fields.
  expect_error(call("POST", "/api/v1/profiles", "{\"name\":"), 400, "not valid JSON");
  expect_error(patch(profile, {{"fps", "fast"}}), 400, "fps: must be a number");
  expect_error(patch(profile, {{"is_active", "yes"}}), 400, "is_active: must be true or false");
  expect_error(patch(profile, {{"fsp", 5}}), 400, "unknown field 'fsp'");
  expect_error(patch(profile, {{"id", 5}}), 400, "id: is read-only");
  expect_error(post("/api/v1/cameras", {{"name", "X"}}), 400, "url: is required");
  expect_error(get("/api/v1/heartbeats?limit=0"), 400, "limit: must be an integer between 1 and 1000");
  expect_error(get("/api/v1/processes?status=sleepy"), 400, "status: must be one of starting, online");
  expect_error(get("/api/v1/desired?at=tomorrow"), 400, "at: must be an instant");
  // 404: unknown ids in the path.
  expect_error(get("/api/v1/profiles/999"), 404, "no profile with id 999");
  expect_error(patch("/api/v1/cameras/999", {{"location", "x"}}), 404, "no camera with id 999");
  expect_error(remove("/api/v1/students/999"), 404, "no student with id 999");
  expect_error(get("/api/v1/policies/abc"), 404, "no policy with id 'abc'");
  expect_error(post("/api/v1/cameras/999/pause", {{"minutes", 5}}), 404, "no camera");
  // 409: duplicates and blocked deletes.
  expect_error(post("/api/v1/profiles", {{"name", "HD"}}), 409, "HD");
  expect_error(remove(profile), 409, "");
  // 422: invalid values and unknown references in the body.
  expect_error(patch(profile, {{"det_set", "999"}}), 422, "det_set");
  expect_error(post("/api/v1/cameras", {{"name", "Y"}, {"url", "ftp://x/y"}}), 422, "url");
  expect_error(post("/api/v1/cameras", {{"name", "Z"}, {"url", "rtsp://h/s"}, {"period_template_ids", {999}}}), 422,
               "999");
  expect_error(patch("/api/v1/policies/" + std::to_string(s.policy), {{"camera_ids", {999}}}), 422, "999");
  expect_error(post("/api/v1/cameras/" + std::to_string(s.camera) + "/pause", {{"minutes", 0}}), 422, "minutes");
  EXPECT_EQ(get("/api/v1/profiles").body["items"].size(), 1u);  // nothing half-written
}

TEST_P(OperatorApiTest, PauseAndUnpauseChangeTheDesiredSetLikeTheCommandLine) {
  const Scene s = scene();
  const std::string camera = "/api/v1/cameras/" + std::to_string(s.camera);
  Reply desired = get("/api/v1/desired");
  ASSERT_EQ(desired.status, 200) << desired.text;
  EXPECT_EQ(desired.body["desired"],
            json::array({{{"camera_id", s.camera}, {"profile_id", s.profile}, {"policy_id", s.policy}}}));

  expect_error(post(camera + "/pause", {{"minutes", 5}, {"until", "2030-01-01T00:00:00Z"}}), 400, "exactly one");
  const Reply paused = post(camera + "/pause", {{"minutes", 30}});
  ASSERT_EQ(paused.status, 200) << paused.text;
  EXPECT_TRUE(parse_instant(paused.body["pause_until"].get<std::string>()));
  desired = get("/api/v1/desired");
  EXPECT_EQ(desired.body["desired"], json::array());
  ASSERT_EQ(desired.body["not_desired"].size(), 1u);
  EXPECT_EQ(desired.body["not_desired"][0]["reason"], "paused");

  // Identical to `bisk desired --json` at the same instant.
  const std::string at = desired.body["at"];
  EXPECT_EQ(get("/api/v1/desired?at=" + httplib::detail::encode_query_param(at)).body,
            json::parse(bisk_ok({"desired", "--json", "--at", at})));

  const Reply until = post(camera + "/pause", {{"until", "2030-01-01T00:00:00+01:00"}});
  EXPECT_EQ(until.body["pause_until"], "2030-01-01T00:00:00+01:00");
  const Reply unpaused = post(camera + "/unpause", json::object());
  EXPECT_TRUE(unpaused.body["pause_until"].is_null());
  EXPECT_EQ(get("/api/v1/desired").body["desired"].size(), 1u);

  patch(camera, {{"is_active", false}});
  EXPECT_EQ(get("/api/v1/desired").body["not_desired"][0]["reason"], "camera_inactive");
}

TEST_P(OperatorApiTest, OccurrencesRollListAndBecomeHolidays) {
  create("/api/v1/period-templates",
         {{"name", "P1"}, {"start", "08:00"}, {"end", "08:45"}, {"weekdays", {0, 1, 2, 3, 4, 5, 6}}});
  const Reply rolled = post("/api/v1/occurrences/roll", {{"days", 3}, {"from", "2030-01-07"}});
  ASSERT_EQ(rolled.status, 200) << rolled.text;
  EXPECT_EQ(rolled.body["inserted"], 3);
  EXPECT_EQ(rolled.body["to"], "2030-01-09");
  EXPECT_EQ(post("/api/v1/occurrences/roll", {{"days", 3}, {"from", "2030-01-07"}}).body["inserted"], 0);
  expect_error(post("/api/v1/occurrences/roll", {{"days", 0}}), 422, "days");

  const Reply listed = get("/api/v1/occurrences?from=2030-01-07&days=2");
  ASSERT_EQ(listed.body["items"].size(), 2u);
  const json first = listed.body["items"][0];
  EXPECT_EQ(first["date"], "2030-01-07");
  EXPECT_EQ(first["start_at"], "2030-01-07T08:00:00+01:00");
  const std::string one = "/api/v1/occurrences/" + std::to_string(first["id"].get<Id>());
  expect_error(patch(one, {{"start_at", "2030-01-07T09:00:00+01:00"}}), 400, "start_at: is read-only");
  const Reply holiday = patch(one, {{"is_school_day", false}});
  EXPECT_EQ(holiday.body["is_school_day"], false);
  EXPECT_EQ(get("/api/v1/occurrences?date=2030-01-07").body["items"], json::array({holiday.body}));
  expect_error(get("/api/v1/occurrences?date=2030-01-07&days=2"), 400, "either date or from/days");
}

TEST_P(OperatorApiTest, ResourceSettingsGlobalAndPerCamera) {
  const Scene s = scene();
  Reply global = get("/api/v1/resources/global");
  ASSERT_EQ(global.status, 200) << global.text;
  EXPECT_TRUE(global.body["device"].is_null());
  global = put("/api/v1/resources/global", {{"device", "cpu"}, {"cpu_nice", 5}, {"max_fps", 10}});
  ASSERT_EQ(global.status, 200) << global.text;
  global = patch("/api/v1/resources/global", {{"crop_quality", 80}, {"max_fps", nullptr}});
  EXPECT_EQ(global.body["device"], "cpu");
  EXPECT_EQ(global.body["cpu_nice"], 5);
  EXPECT_EQ(global.body["crop_quality"], 80);
  EXPECT_TRUE(global.body["max_fps"].is_null());
  global = put("/api/v1/resources/global", {{"gpu_index", 1}});  // PUT replaces the whole object
  EXPECT_TRUE(global.body["device"].is_null());
  EXPECT_EQ(global.body["gpu_index"], 1);
  expect_error(patch("/api/v1/resources/global", {{"crop_quality", 500}}), 422, "crop_quality");

  const std::string camera = "/api/v1/cameras/" + std::to_string(s.camera) + "/resources";
  Reply override_settings = put(camera, {{"det_set_max", "640"}, {"cpu_affinity", "0,2-3"}});
  ASSERT_EQ(override_settings.status, 200) << override_settings.text;
  EXPECT_EQ(override_settings.body["camera_id"], s.camera);
  override_settings = patch(camera, {{"is_active", false}});
  EXPECT_EQ(override_settings.body["det_set_max"], "640");
  EXPECT_EQ(override_settings.body["is_active"], false);
  EXPECT_EQ(remove(camera).status, 200);
  EXPECT_TRUE(get(camera).body["det_set_max"].is_null());
  expect_error(get("/api/v1/cameras/999/resources"), 404, "no camera with id 999");
}

TEST_P(OperatorApiTest, StreamTestReportsWhatFfprobeSees) {
  const std::string video = media_dir() + "/clip.mp4";
  ASSERT_EQ(std::system(("ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=5 -t 1 " + video).c_str()), 0);
  const Id camera = create("/api/v1/cameras", {{"name", "File"}, {"url", "file://" + video}});
  const Reply tested = post("/api/v1/cameras/" + std::to_string(camera) + "/test", json::object());
  ASSERT_EQ(tested.status, 200) << tested.text;
  EXPECT_EQ(tested.body["ok"], true) << tested.text;
  EXPECT_EQ(tested.body["streams"][0]["width"], 160);
  EXPECT_EQ(tested.body["streams"][0]["height"], 120);
  EXPECT_EQ(tested.body["streams"][0]["fps"], 5.0);

  const Id missing = create("/api/v1/cameras", {{"name", "Gone"}, {"url", "file://" + media_dir() + "/none.mp4"}});
  const Reply failed = post("/api/v1/cameras/" + std::to_string(missing) + "/test", json::object());
  EXPECT_EQ(failed.status, 200);
  EXPECT_EQ(failed.body["ok"], false);
  EXPECT_THAT(failed.body["error"].get<std::string>(), HasSubstr("No such file"));
}

TEST_P(OperatorApiTest, PhotoEnrollmentWantsAnImage) {
  // Real photos are enrolled in tests/enrollment_test.cc.
  const Id student = create("/api/v1/students", {{"code", "S-1"}});
  expect_error(call("POST", "/api/v1/students/" + std::to_string(student) + "/photos", "x"), 415,
               "must be image/jpeg or image/png");
  expect_error(call("POST", "/api/v1/students/999/photos", "x"), 404, "no student");
}

// A child that must survive every request the operator makes of the enforcer.
class Sleeper {
 public:
  Sleeper() {
    char sleep_path[] = "/bin/sleep";
    char seconds[] = "60";
    char* argv[] = {sleep_path, seconds, nullptr};
    posix_spawn(&pid_, sleep_path, nullptr, nullptr, argv, environ);
  }
  ~Sleeper() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int pid() const { return pid_; }
  bool alive() { return waitpid(pid_, nullptr, WNOHANG) == 0 && kill(pid_, 0) == 0; }

 private:
  pid_t pid_ = -1;
};

TEST_P(OperatorApiTest, ActionsRecordRequestsForTheEnforcerAndSignalNothing) {
  const Scene s = scene();
  Sleeper runner;
  const Id process = add_process(s.camera, s.profile, runner.pid());
  const std::string base = "/api/v1/processes/" + std::to_string(process);
  for (const std::string kind : {"stop", "restart", "kill"}) {
    const Reply reply = post(base + "/" + kind, json::object());
    ASSERT_EQ(reply.status, 202) << reply.text;
    EXPECT_EQ(reply.body["ok"], true);
    const Reply recorded = get("/api/v1/enforcer/requests/" + std::to_string(reply.body["request_id"].get<Id>()));
    EXPECT_EQ(recorded.body["kind"], kind);
    EXPECT_EQ(recorded.body["process_id"], process);
    EXPECT_EQ(recorded.body["requested_by"], "admin");
    EXPECT_TRUE(recorded.body["handled_at"].is_null());
  }
  const Reply enforce = call("POST", "/api/v1/enforcer/enforce-now");
  ASSERT_EQ(enforce.status, 202) << enforce.text;
  EXPECT_EQ(get("/api/v1/enforcer/requests/" + std::to_string(enforce.body["request_id"].get<Id>())).body["kind"],
            "enforce_now");
  EXPECT_TRUE(runner.alive());

  const Id ended = add_process(s.camera, s.profile, 1, "exited");
  expect_error(post("/api/v1/processes/" + std::to_string(ended) + "/stop", json::object()), 409, "not running");
  expect_error(post("/api/v1/processes/999/kill", json::object()), 404, "no process with id 999");
  const Reply enforcer = get("/api/v1/enforcer");
  EXPECT_EQ(enforcer.status, 200);
  EXPECT_TRUE(enforcer.body["items"].is_array());
}

TEST_P(OperatorApiTest, ProcessesCarryTheRunnerStatusAndFilterByIt) {
  const Scene s = scene();
  const Id other_profile = create("/api/v1/profiles", {{"name", "Low"}});
  const Id other_camera = create("/api/v1/cameras", {{"name", "Yard"}, {"url", "rtsp://yard.invalid/s"}});
  const Id online = add_process(s.camera, s.profile, 4242);
  const Id starting = add_process(s.camera, other_profile, 4243);
  const Id stopped = add_process(other_camera, s.profile, 4244, "exited");
  ASSERT_EQ(RunnerApiFixture::post("/api/runner/heartbeat/",
                                   heartbeat_body(s.camera, s.profile, 4242, R"("camera_fps":25,"processed_fps":5)"))
                ->status,
            200);
  const Reply all = get("/api/v1/processes");
  ASSERT_EQ(all.status, 200) << all.text;
  std::map<Id, std::string> statuses;
  for (const auto& item : all.body["items"]) statuses[item["id"]] = item["status"];
  EXPECT_EQ(statuses, (std::map<Id, std::string>{{online, "online"}, {starting, "starting"}, {stopped, "stopped"}}));
  const Reply online_only = get("/api/v1/processes?status=online");
  ASSERT_EQ(online_only.body["items"].size(), 1u);
  const json& row = online_only.body["items"][0];
  EXPECT_EQ(row["id"], online);
  EXPECT_EQ(row["camera_fps"], 25.0);
  EXPECT_EQ(row["lifecycle"], "running");
  for (const char* field :
       {"camera_id", "profile_id", "node", "pid", "impl", "started_at", "ended_at", "exit_code", "stop_reason",
        "restarts", "last_heartbeat_at", "processed_fps", "target_fps", "last_error"}) {
    EXPECT_TRUE(row.contains(field)) << field;
  }
  EXPECT_EQ(get("/api/v1/processes?camera_id=" + std::to_string(other_camera)).body["items"].size(), 1u);
  EXPECT_EQ(get("/api/v1/processes/" + std::to_string(stopped)).body["status"], "stopped");
}

TEST_P(OperatorApiTest, HeartbeatsFilterByPairTimeAndLimit) {
  const Scene s = scene();
  const Id other_profile = create("/api/v1/profiles", {{"name", "Low"}});
  add_process(s.camera, s.profile, 5001);
  add_process(s.camera, other_profile, 5002);
  for (const auto& [profile, pid] : {std::pair{s.profile, 5001}, std::pair{other_profile, 5002}}) {
    ASSERT_EQ(RunnerApiFixture::post("/api/runner/heartbeat/", heartbeat_body(s.camera, profile, pid))->status, 200);
  }
  const Reply all = get("/api/v1/heartbeats");
  ASSERT_EQ(all.status, 200) << all.text;
  EXPECT_EQ(all.body["items"].size(), 2u);
  const Reply one_profile = get("/api/v1/heartbeats?profile_id=" + std::to_string(other_profile));
  ASSERT_EQ(one_profile.body["items"].size(), 1u);
  EXPECT_EQ(one_profile.body["items"][0]["pid"], 5002);
  EXPECT_EQ(get("/api/v1/heartbeats?camera_id=" + std::to_string(s.camera) + "&limit=1").body["items"].size(), 1u);
  EXPECT_EQ(get("/api/v1/heartbeats?since=2099-01-01T00:00:00Z").body["items"].size(), 0u);
  expect_error(get("/api/v1/heartbeats?camera_id=x"), 400, "camera_id");
}

TEST_P(OperatorApiTest, AttendanceFiltersByStudentDateAndTime) {
  const Scene s = scene();
  const Id ann = create("/api/v1/students", {{"code", "S-1"}});
  const Id bob = create("/api/v1/students", {{"code", "S-2"}});
  create("/api/v1/period-templates", {{"name", "P1"}, {"start", "08:00"}, {"end", "09:00"}, {"weekdays", {0}}});
  post("/api/v1/occurrences/roll", {{"days", 1}, {"from", "2030-01-07"}});  // a Monday
  const Id occurrence = get("/api/v1/occurrences?date=2030-01-07").body["items"][0]["id"];
  AttendanceStore attendance(db());
  for (const auto& [student, minute] : {std::pair{ann, 10}, std::pair{ann, 20}, std::pair{bob, 30}}) {
    AttendanceEvent event;
    event.student_id = student;
    event.camera_id = s.camera;
    event.ts_at = *parse_instant("2030-01-07T08:00:00+01:00") + std::chrono::minutes(minute);
    event.score = 0.8;
    event.crop_path = "crops/x.jpg";
    attendance.record_sighting(event, {occurrence});
  }
  const Reply events = get("/api/v1/attendance/events?student_id=" + std::to_string(ann));
  ASSERT_EQ(events.status, 200) << events.text;
  EXPECT_EQ(events.body["items"].size(), 2u);
  EXPECT_EQ(get("/api/v1/attendance/events?since=2030-01-07T08:25:00%2B01:00").body["items"].size(), 1u);
  EXPECT_EQ(get("/api/v1/attendance/events?date=2030-01-08").body["items"].size(), 0u);
  const Reply records = get("/api/v1/attendance/records?date=2030-01-07");
  ASSERT_EQ(records.body["items"].size(), 2u);
  const Reply ann_record = get("/api/v1/attendance/records?student_id=" + std::to_string(ann));
  ASSERT_EQ(ann_record.body["items"].size(), 1u);
  EXPECT_EQ(ann_record.body["items"][0]["sightings"], 2);
  EXPECT_EQ(ann_record.body["items"][0]["occurrence_id"], occurrence);
  expect_error(get("/api/v1/attendance/records?date=tomorrow"), 400, "date");
}

// Every operator route, and the other admin-only endpoints, refuse anonymous
// and made-up credentials, and cookie-authenticated writes without CSRF.
TEST_P(OperatorApiTest, UsersAreAddedWithoutTheirHashAndAPasswordChangeEndsTheirSessions) {
  const Id clerk = create("/api/v1/users", {{"username", "clerk"}, {"password", "long enough pw"}, {"is_admin", true}});
  const Reply list = get("/api/v1/users");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 2u);  // the fixture's admin and clerk
  EXPECT_EQ(list.body["items"][1]["username"], "clerk");
  EXPECT_FALSE(list.body["items"][1].contains("password_hash"));
  EXPECT_THAT(answers_, Not(HasSubstr("$argon2id$")));
  EXPECT_THAT(answers_, Not(HasSubstr("long enough pw")));

  expect_error(post("/api/v1/users", {{"username", "short"}, {"password", "1234567"}}), 422, "at least 8");
  expect_error(post("/api/v1/users", {{"username", "clerk"}, {"password", "long enough pw"}}), 409, "clerk");
  expect_error(post("/api/v1/users", {{"username", "x"}, {"password", "long enough pw"}, {"role", "boss"}}), 400,
               "role: unknown field");
  expect_error(patch("/api/v1/users/" + std::to_string(clerk), {{"username", "renamed"}}), 400, "unknown field");

  // The clerk logs in; changing the clerk's password logs the session out.
  const Session clerk_session = log_in("clerk", "long enough pw");
  ASSERT_FALSE(clerk_session.cookie.empty());
  const httplib::Headers session = {{"Cookie", clerk_session.cookie}};
  EXPECT_EQ(call("GET", "/api/v1/users", "", session).status, 200);
  EXPECT_EQ(patch("/api/v1/users/" + std::to_string(clerk), {{"password", "another long one"}}).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/users", "", session).status, 401);
  EXPECT_FALSE(log_in("clerk", "another long one").cookie.empty());

  EXPECT_EQ(remove("/api/v1/users/" + std::to_string(clerk)).status, 200);
  EXPECT_EQ(get("/api/v1/users").body["items"].size(), 1u);
}

TEST_P(OperatorApiTest, NobodyDeletesTheAccountTheyUse) {
  const Session session = log_in("admin", "correct horse battery staple");
  ASSERT_FALSE(session.cookie.empty());
  const Id admin = get("/api/v1/users").body["items"][0]["id"].get<Id>();
  const Reply refused = call("DELETE", "/api/v1/users/" + std::to_string(admin), "",
                             {{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf_token}});
  expect_error(refused, 409, "logged in with");
  EXPECT_EQ(get("/api/v1/users").body["items"].size(), 1u);
}

TEST_P(OperatorApiTest, EveryRouteRequiresAnAdminAndCsrfForCookieWrites) {
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/cameras"},
      {"POST", "/api/v1/cameras"},
      {"GET", "/api/v1/cameras/1"},
      {"PATCH", "/api/v1/cameras/1"},
      {"DELETE", "/api/v1/cameras/1"},
      {"POST", "/api/v1/cameras/1/pause"},
      {"POST", "/api/v1/cameras/1/unpause"},
      {"POST", "/api/v1/cameras/1/test"},
      {"GET", "/api/v1/cameras/1/resources"},
      {"PUT", "/api/v1/cameras/1/resources"},
      {"PATCH", "/api/v1/cameras/1/resources"},
      {"DELETE", "/api/v1/cameras/1/resources"},
      {"GET", "/api/v1/resources/global"},
      {"PUT", "/api/v1/resources/global"},
      {"PATCH", "/api/v1/resources/global"},
      {"GET", "/api/v1/profiles"},
      {"POST", "/api/v1/profiles"},
      {"GET", "/api/v1/profiles/1"},
      {"PATCH", "/api/v1/profiles/1"},
      {"DELETE", "/api/v1/profiles/1"},
      {"GET", "/api/v1/policies"},
      {"POST", "/api/v1/policies"},
      {"GET", "/api/v1/policies/1"},
      {"PATCH", "/api/v1/policies/1"},
      {"DELETE", "/api/v1/policies/1"},
      {"GET", "/api/v1/period-templates"},
      {"POST", "/api/v1/period-templates"},
      {"GET", "/api/v1/period-templates/1"},
      {"PATCH", "/api/v1/period-templates/1"},
      {"DELETE", "/api/v1/period-templates/1"},
      {"GET", "/api/v1/occurrences"},
      {"GET", "/api/v1/occurrences/1"},
      {"PATCH", "/api/v1/occurrences/1"},
      {"POST", "/api/v1/occurrences/roll"},
      {"GET", "/api/v1/students"},
      {"POST", "/api/v1/students"},
      {"GET", "/api/v1/students/1"},
      {"PATCH", "/api/v1/students/1"},
      {"DELETE", "/api/v1/students/1"},
      {"POST", "/api/v1/students/1/photos"},
      {"GET", "/api/v1/processes"},
      {"GET", "/api/v1/processes/1"},
      {"POST", "/api/v1/processes/1/stop"},
      {"POST", "/api/v1/processes/1/restart"},
      {"POST", "/api/v1/processes/1/kill"},
      {"GET", "/api/v1/heartbeats"},
      {"GET", "/api/v1/attendance/events"},
      {"GET", "/api/v1/attendance/records"},
      {"GET", "/api/v1/enforcer"},
      {"POST", "/api/v1/enforcer/enforce-now"},
      {"GET", "/api/v1/enforcer/requests/1"},
      {"GET", "/api/v1/desired"},
      {"GET", "/api/v1/users"},
      {"POST", "/api/v1/users"},
      {"PATCH", "/api/v1/users/1"},
      {"DELETE", "/api/v1/users/1"},
      {"GET", "/dash/system.json"},
      {"GET", "/metrics"},
  };
  const std::string cookie = log_in("admin", "correct horse battery staple").cookie;
  ASSERT_FALSE(cookie.empty());
  for (const auto& [method, path] : routes) {
    const std::string route = method + " " + path;
    EXPECT_EQ(call(method, path, "{}", {{"X-Nothing", "1"}}).status, 401) << route << " anonymous";
    EXPECT_EQ(call(method, path, "{}", {{"Authorization", "Bearer made-up-token"}}).status, 401) << route;
    if (method != "GET") {
      EXPECT_EQ(call(method, path, "{}", {{"Cookie", cookie}}).status, 403) << route << " without CSRF";
    }
  }
  EXPECT_EQ(get("/api/v1/cameras").status, 200);  // the sweep changed nothing
  EXPECT_EQ(get("/api/v1/cameras").body["items"], json::array());
}

INSTANTIATE_TEST_SUITE_P(Backends, OperatorApiTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing

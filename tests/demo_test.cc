// `bisk demo` end to end (SPEC §8): from an empty temporary directory to
// recognitions seen through the operator API, then Ctrl-C, after which no
// process and no file of the demo may remain.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/enforcer_fixture.h"
#include "support/face_media.h"
#include "support/subprocess.h"
#include "testing/stream_fixtures.h"
#include "testing/test_databases.h"
#include "testing/wait.h"

namespace bisk::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Direct children of this process (it is a subreaper, so orphans count), zombies included.
std::vector<ProcInfo> children_of_this_process() {
  std::vector<ProcInfo> children;
  for (const ProcInfo& info : all_processes())
    if (info.ppid == ::getpid()) children.push_back(info);
  return children;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!face_models_present()) GTEST_SKIP() << kNoFaceModels << assets_dir();
    ASSERT_TRUE(std::filesystem::exists(assets_dir() / "demo" / "demo_camera.mp4"))
        << "no demo video: run scripts/fetch_assets.sh";
    // Orphans of the demo come back to this process, so none can hide.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }

  void TearDown() override {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }

  // `bisk demo --listen 127.0.0.1:PORT` with TMPDIR pointing at an empty
  // directory of the test; stdout and stderr go to output_.
  void start_demo() {
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    const std::vector<std::string> argv = {BISK_BINARY, "demo", "--listen", listen};
    const std::vector<std::string> env = {
        "PATH=/usr/bin:/bin",
        "HOME=" + output_dir_.path(),
        "TMPDIR=" + tmpdir_.path(),
        "BISK_ENV_FILE=",  // never /etc/bisk/bisk.env of this machine
        "BISK_MODEL_DIR=" + model_dir().string(),
        "BISK_WEB_DIR=" BISK_WEB_BUILD_DIR,
    };
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const int out = ::open(output_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
      std::vector<char*> c_argv, c_env;
      for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
      for (const auto& entry : env) c_env.push_back(const_cast<char*>(entry.c_str()));
      c_argv.push_back(nullptr);
      c_env.push_back(nullptr);
      ::execve(BISK_BINARY, c_argv.data(), c_env.data());
      ::_exit(127);
    }
  }

  std::string output() const { return read_text(output_); }

  // The password printed on the "Login:" line, once the demo is ready.
  std::string wait_for_login() {
    std::smatch match;
    std::string text;
    const std::regex login(R"(Login: +admin / (\S+))");
    wait_until([&] { return std::regex_search(text = output(), match, login) || demo_exited(); }, 90s, 200ms);
    return match.empty() ? "" : match[1].str();
  }

  bool demo_exited() {
    if (status_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    status_ = status;
    return true;
  }

  httplib::Client client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(2s);
    client.set_read_timeout(10s);
    return client;
  }

  int port_ = free_loopback_port();
  TempDir tmpdir_;      // the demo's TMPDIR: empty before and after
  TempDir output_dir_;  // the demo's output and HOME, outside TMPDIR
  std::string output_ = output_dir_.file("demo.out");
  pid_t pid_ = -1;
  std::optional<int> status_;
};

TEST_F(DemoTest, RecognisesTheDemoStudentsWithinAMinuteAndCtrlCLeavesNothingBehind) {
  start_demo();
  const std::string password = wait_for_login();
  ASSERT_FALSE(password.empty()) << "no login printed; output:\n" << output();
  EXPECT_THAT(output(), ::testing::HasSubstr("Dashboard: http://127.0.0.1:" + std::to_string(port_) + "/dash/system/"));
  const auto ready_at = std::chrono::steady_clock::now();

  httplib::Client api = client();
  const auto login =
      api.Post("/api/v1/login", json({{"username", "admin"}, {"password", password}}).dump(), "application/json");
  ASSERT_TRUE(login && login->status == 200) << "login with the printed password failed";
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  const httplib::Headers session = {{"Cookie", set_cookie.substr(0, set_cookie.find(';'))}};

  // The students by id, to name what the events say.
  const auto students = api.Get("/api/v1/students", session);
  ASSERT_TRUE(students && students->status == 200);
  std::map<long long, std::string> codes;
  const json student_list = json::parse(students->body);
  for (const auto& student : student_list["items"]) codes[student["id"]] = student["code"];
  ASSERT_EQ(codes.size(), 2u) << students->body << "\n" << output();

  // Both faces of the looping video are recognised, within a period, within a minute.
  std::set<std::string> recognised;
  json events;
  wait_until(
      [&] {
        const auto reply = api.Get("/api/v1/attendance/events", session);
        if (!reply || reply->status != 200) return false;
        events = json::parse(reply->body)["items"];
        for (const auto& event : events)
          if (!event["occurrence_id"].is_null()) recognised.insert(codes[event["student_id"]]);
        return recognised.size() == 2;
      },
      60s, 1s);
  EXPECT_EQ(recognised, (std::set<std::string>{"DEMO-1", "DEMO-2"})) << "events: " << events.dump(1);
  const auto recognised_after = std::chrono::steady_clock::now() - ready_at;
  EXPECT_LT(recognised_after, 60s);
  std::cout << "both students recognised " << std::chrono::duration<double>(recognised_after).count()
            << " s after the demo printed its login\n";
  // The dashboard shows the period and, once recognitions arrive, the camera's runner.
  const auto page = api.Get("/dash/system/", session);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, ::testing::HasSubstr("Demo class"));
  EXPECT_THAT(page->body, ::testing::HasSubstr("Demo camera"));
  EXPECT_TRUE(wait_until([&] { return output().find("recognised Grace Hopper (DEMO-1)") != std::string::npos; }, 5s))
      << output();
  EXPECT_EQ(output().find(password, output().find("Login:") + 20), std::string::npos)
      << "the password was printed again";

  // Ctrl-C: the demo stops its processes in order and exits 0.
  ASSERT_EQ(::kill(pid_, SIGINT), 0);
  const auto interrupted_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return demo_exited(); }, 45s, 100ms)) << output();
  std::cout << "stopped " << std::chrono::duration<double>(std::chrono::steady_clock::now() - interrupted_at).count()
            << " s after Ctrl-C\n";
  EXPECT_TRUE(WIFEXITED(*status_) && WEXITSTATUS(*status_) == 0) << output();
  EXPECT_THAT(output(), ::testing::HasSubstr("Stopped;"));

  // Nothing left: no descendant (orphans would have come back to this
  // subreaper), no file in TMPDIR, the port free again.
  std::vector<ProcInfo> left;
  wait_until([&] { return (left = children_of_this_process()).empty(); }, 5s);
  for (const ProcInfo& child : left) {
    ADD_FAILURE() << "left behind: pid " << child.pid << " " << child.comm << " state " << child.state;
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
  }
  EXPECT_TRUE(std::filesystem::is_empty(tmpdir_.path()))
      << "the demo left " << std::filesystem::directory_iterator(tmpdir_.path())->path();
  EXPECT_FALSE(client().Get("/healthz")) << "something still answers on the demo's port";
}

TEST_F(DemoTest, AMissingDemoVideoIsNamedWithTheCommandThatMakesIt) {
  TempDir empty;
  std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"},
                                            {"TMPDIR", tmpdir_.path()},
                                            {"BISK_ENV_FILE", ""},
                                            {"BISK_MODEL_DIR", model_dir().string()}};
  const auto result = run_process({BISK_BINARY, "demo", "--assets", empty.path()}, env);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, ::testing::HasSubstr(empty.path() + "/demo_camera.mp4 is missing"));
  EXPECT_THAT(result.err, ::testing::HasSubstr("scripts/fetch_assets.sh"));
  EXPECT_TRUE(std::filesystem::is_empty(tmpdir_.path()));
}

TEST_F(DemoTest, AMalformedListenAddressIsAUsageError) {
  const auto result =
      run_process({BISK_BINARY, "demo", "--listen", "localhost"}, {{"PATH", "/usr/bin:/bin"},
                                                                   {"TMPDIR", tmpdir_.path()},
                                                                   {"BISK_ENV_FILE", ""},
                                                                   {"BISK_MODEL_DIR", model_dir().string()}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, ::testing::HasSubstr("--listen: expected host:port"));
}

}  // namespace
}  // namespace bisk::testing

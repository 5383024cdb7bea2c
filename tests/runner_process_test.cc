// `bisk runner` and `bisk enroll` as real processes: a real `bisk serve`, real
// FFmpeg decoding a video made from the Debian test photos, the real face
// models (fetched by scripts/fetch_assets.sh). Grace Hopper is enrolled; the
// video shows her (moved, scaled, brightened) between people who are not.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "support/enforcer_fixture.h"
#include "support/face_media.h"
#include "support/runner_api_fixture.h"

namespace bisk::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

// A `bisk runner` child with its output in a file.
class RunnerChild {
 public:
  RunnerChild(const std::map<std::string, std::string>& env, const std::vector<std::string>& args,
              const std::string& log_path)
      : log_path_(log_path) {
    std::vector<std::string> argv = {BISK_BINARY, "runner"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> environment;
    for (const auto& [key, value] : env) environment.push_back(key + "=" + value);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> c_argv, c_env;
      for (auto& arg : argv) c_argv.push_back(arg.data());
      for (auto& entry : environment) c_env.push_back(entry.data());
      c_argv.push_back(nullptr);
      c_env.push_back(nullptr);
      execve(c_argv[0], c_argv.data(), c_env.data());
      _exit(127);
    }
  }
  ~RunnerChild() {
    if (!exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int pid() const { return pid_; }
  // The exit code after `signal`, or nullopt when it did not exit within `timeout`.
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout) {
    kill(pid_, signal);
    return wait(timeout);
  }
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  std::string log() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_path_;
};

// The ffmpeg processes whose parent is `pid`.
std::vector<int> ffmpeg_children_of(int pid) {
  std::vector<int> found;
  for (const ProcInfo& process : all_processes()) {
    if (process.ppid == pid && process.comm == "ffmpeg") found.push_back(process.pid);
  }
  return found;
}

bool ffmpeg_reading(const std::string& path) { return !ffmpeg_processes_with_arg(path).empty(); }

class RunnerProcessTest : public RunnerApiFixture {
 protected:
  void SetUp() override {
    if (!face_models_present()) GTEST_SKIP() << kNoFaceModels << assets_dir();
  }

  std::map<std::string, std::string> runner_env(const std::string& url) {
    auto env = environment();
    env["BISK_RTSP_URL"] = url;
    return env;
  }

  std::vector<std::string> runner_args(Id camera, Id profile, const std::string& impl) {
    return {"--impl",
            impl,
            "--camera",
            std::to_string(camera),
            "--profile",
            std::to_string(profile),
            "--fps",
            "5",
            "--det_set",
            "auto",
            "--hb",
            "http://127.0.0.1:" + std::to_string(server().port()) + "/api/runner/heartbeat/",
            "--hb_interval",
            "1",
            "--snapshots",
            media_dir() + "/snapshots",
            "--snapshot_every",
            "2",
            "--min_score",
            "0.5"};
  }

  Id add_student(const std::string& code) {
    Student student;
    student.code = code;
    student.first_name = code;
    student.last_name = "Test";
    return StudentStore(db()).add(student);
  }

  std::vector<AttendanceEvent> events() {
    AttendanceStore::Filter filter;
    return AttendanceStore(db()).events(filter, find_time_zone("UTC"));
  }
};

TEST_P(RunnerProcessTest, EnrollmentRefusesUnusablePhotosWithTheReason) {
  add_student("ADA");
  const ProcessResult refused =
      run_process({BISK_BINARY, "enroll", "--student", "ADA", asset_media("baboon.jpg").string()}, environment());
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_THAT(refused.out, HasSubstr("refused: "));
  EXPECT_THAT(refused.out, HasSubstr("face"));
  const ProcessResult unknown = run_process({BISK_BINARY, "enroll", "--student", "NOBODY", "x.jpg"}, environment());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no student with code"));
  long long version = 0;
  EXPECT_TRUE(FaceTemplateStore(db()).gallery(version).empty());
}

TEST_P(RunnerProcessTest, ThePhotoEndpointEnrollsOrSaysWhyNot) {
  const Id ada = add_student("ADA");
  const std::string token = admin_token();
  httplib::Client client = server().client();
  client.set_read_timeout(30s);
  auto upload = [&](const std::string& photo) {
    std::ifstream in(asset_media(photo), std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    return client.Post("/api/v1/students/" + std::to_string(ada) + "/photos", {{"Authorization", "Bearer " + token}},
                       bytes, photo.ends_with(".png") ? "image/png" : "image/jpeg");
  };
  const auto enrolled = upload("grace_hopper_512x512.jpg");
  ASSERT_TRUE(enrolled);
  EXPECT_EQ(enrolled->status, 201) << enrolled->body;
  const auto refused = upload("baboon.jpg");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422) << refused->body;
  EXPECT_THAT(refused->body, HasSubstr("no_face"));
  EXPECT_EQ(FaceTemplateStore(db()).list_for_student(ada).size(), 1u);
}

TEST_P(RunnerProcessTest, RecognisesTheEnrolledStudentOnlyAndStopsCleanly) {
  for (const std::string impl : {"ffmpeg_all", "ffmpeg_one"}) {
    SCOPED_TRACE(impl);
    TempDir work;
    const std::string video = make_classroom_video(work.path());
    const Id camera = add_camera("Room-" + impl);
    const Id profile = add_profile("Lessons-" + impl);
    if (events().empty() && StudentStore(db()).find_by_code("ADA") == std::nullopt) {
      add_student("ADA");
      const ProcessResult grace = run_process(
          {BISK_BINARY, "enroll", "--student", "ADA", asset_media("grace_hopper_512x512.jpg").string()}, environment());
      ASSERT_EQ(grace.exit_code, 0) << grace.out << grace.err;
    }
    const std::size_t events_before = events().size();
    RunnerChild runner(runner_env(video), runner_args(camera, profile, impl), work.file("runner.log"));
    add_process(camera, profile, runner.pid());
    // Heartbeats arrive with frames flowing and faces found.
    ASSERT_TRUE(wait_until(
        [&] {
          const auto row = ProcessStore(db()).current_for_pair(camera, profile);
          return row && row->camera_fps.value_or(0) > 0 && row->matched.value_or(0) > 0;
        },
        30s))
        << runner.log();
    std::this_thread::sleep_for(8s);  // the whole video: Grace twice, two strangers
    EXPECT_TRUE(fs::exists(media_dir() + "/snapshots/" + std::to_string(camera) + ".jpg"));
    const auto stopped_at = std::chrono::steady_clock::now();
    const auto code = runner.stop(SIGTERM, 5s);
    ASSERT_TRUE(code.has_value()) << "no exit after SIGTERM\n" << runner.log();
    EXPECT_EQ(*code, 0) << runner.log();
    EXPECT_LE(std::chrono::steady_clock::now() - stopped_at, 2s);
    EXPECT_FALSE(ffmpeg_reading(video)) << "an ffmpeg outlived the runner";
    // Her sightings (one per cooldown window, flushed at the stop), nobody else's.
    const auto all = events();
    ASSERT_GT(all.size(), events_before) << runner.log();
    const Id ada = StudentStore(db()).find_by_code("ADA")->id;
    for (std::size_t i = 0; i < all.size() - events_before; ++i) {
      EXPECT_EQ(all[i].student_id, ada);
      EXPECT_GE(all[i].score, 0.5);
      EXPECT_TRUE(fs::exists(fs::path(media_dir()) / all[i].crop_path));
    }
    // The final heartbeat said it was stopping.
    EXPECT_THAT(ProcessStore(db()).current_for_pair(camera, profile)->last_metrics.value_or(""),
                HasSubstr("\"state\":\"stopping\""));
  }
}

// The event leaves as soon as its cooldown window closes, not at the next
// heartbeat: with hb_interval 60 the first event arrives long before 60 s.
TEST_P(RunnerProcessTest, AnEventIsPostedWhenItsWindowClosesNotAtTheNextHeartbeat) {
  if (GetParam() != TestBackend::kSqlite) GTEST_SKIP() << "the runner's timing does not depend on the database";
  TempDir work;
  const std::string video = make_classroom_video(work.path());
  const Id camera = add_camera("Room");
  const Id profile = add_profile("Lessons");
  add_student("ADA");
  const ProcessResult grace = run_process(
      {BISK_BINARY, "enroll", "--student", "ADA", asset_media("grace_hopper_512x512.jpg").string()}, environment());
  ASSERT_EQ(grace.exit_code, 0) << grace.out << grace.err;
  auto args = runner_args(camera, profile, "ffmpeg_all");
  const auto interval = std::find(args.begin(), args.end(), "--hb_interval");
  ASSERT_NE(interval, args.end());
  *std::next(interval) = "60";
  RunnerChild runner(runner_env(video), args, work.file("runner.log"));
  add_process(camera, profile, runner.pid());
  // Start-up, the first sighting within the 8 s video, then the 10 s window:
  // well under the 60 s at which the second heartbeat would have taken it.
  ASSERT_TRUE(wait_until([&] { return !events().empty(); }, 45s)) << runner.log();
  EXPECT_EQ(runner.stop(SIGTERM, 5s), 0) << runner.log();
}

// No GPU here: --device cuda runs on the CPU, says so in its log and reports
// the device it really uses.
TEST_P(RunnerProcessTest, DeviceCudaWithoutAGpuFallsBackToTheCpuAndSaysSo) {
  if (GetParam() != TestBackend::kSqlite) GTEST_SKIP() << "the device does not depend on the database";
  TempDir work;
  const std::string video = make_classroom_video(work.path());
  const Id camera = add_camera("Room");
  const Id profile = add_profile("Lessons");
  auto args = runner_args(camera, profile, "ffmpeg_all");
  args.insert(args.end(), {"--device", "cuda", "--gpu_index", "0"});
  RunnerChild runner(runner_env(video), args, work.file("runner.log"));
  add_process(camera, profile, runner.pid());
  ASSERT_TRUE(wait_until(
      [&] {
        const auto row = ProcessStore(db()).current_for_pair(camera, profile);
        return row && row->last_metrics.value_or("").find("\"device\":\"cpu\"") != std::string::npos;
      },
      30s))
      << runner.log();
  EXPECT_THAT(runner.log(), HasSubstr("--device cuda: this OpenCV build has no CUDA backend for cv::dnn; "
                                      "recognition runs on the CPU"));
  EXPECT_EQ(runner.stop(SIGTERM, 5s), 0) << runner.log();
}

TEST_P(RunnerProcessTest, SigkillLeavesNoFfmpegBehind) {
  TempDir work;
  const std::string video = make_classroom_video(work.path());
  const Id camera = add_camera("Room");
  const Id profile = add_profile("Lessons");
  RunnerChild runner(runner_env(video), runner_args(camera, profile, "ffmpeg_all"), work.file("runner.log"));
  ASSERT_TRUE(wait_until([&] { return !ffmpeg_children_of(runner.pid()).empty(); }, 20s)) << runner.log();
  ASSERT_TRUE(runner.stop(SIGKILL, 5s).has_value());
  EXPECT_TRUE(wait_until([&] { return !ffmpeg_reading(video); }, 3s));
}

TEST_P(RunnerProcessTest, BadArgumentsExit2NamingTheProblem) {
  auto env = runner_env("file:///nonexistent.mp4");
  auto args = runner_args(1, 1, "ffmpeg_all");
  args[1] = "opencv";  // --impl
  const ProcessResult bad_impl = run_process(
      [&] {
        std::vector<std::string> argv = {BISK_BINARY, "runner"};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
      }(),
      env);
  EXPECT_EQ(bad_impl.exit_code, 2);
  EXPECT_THAT(bad_impl.err, HasSubstr("--impl: must be ffmpeg_all or ffmpeg_one"));
  const ProcessResult unknown = run_process({BISK_BINARY, "runner", "--camera", "1", "--bogus", "x"}, env);
  EXPECT_EQ(unknown.exit_code, 2);
  env.erase("BISK_RTSP_URL");
  const ProcessResult no_url = run_process(
      [&] {
        std::vector<std::string> argv = {BISK_BINARY, "runner"};
        const auto good = runner_args(1, 1, "ffmpeg_all");
        argv.insert(argv.end(), good.begin(), good.end());
        return argv;
      }(),
      env);
  EXPECT_EQ(no_url.exit_code, 2);
  EXPECT_THAT(no_url.err, HasSubstr("BISK_RTSP_URL"));
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerProcessTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing

// The whole chain with real processes only: `bisk run-enforcer` starting the
// real `bisk runner` (BISK_RUNNER_PROGRAM = the bisk executable itself, both
// flavours through BISK_RUNNER_IMPL), which reads an RTSP camera served by
// tests/rtsp_server from a video made of the Debian test photos, recognises
// students with the real face models (scripts/fetch_assets.sh) and reports to
// a real `bisk serve`; on SQLite and PostgreSQL.
//
// Grace Hopper and a second student (Messi, who is not in the video) are
// enrolled; the video shows Grace (moved, scaled, brightened) between two
// people who are not enrolled. The tests check that only Grace is reported,
// that a camera that dies and comes back on the same port is streamed and
// recognised again by the same runner, that SIGTERM to the enforcer stops the
// runner within 2 s with no ffmpeg left, and that a runner killed with
// SIGKILL leaves no ffmpeg behind and is restarted by the enforcer.
//
// The camera uses RTSP over TCP so that its death is seen at once (over UDP
// ffmpeg would notice only through its 10 s read timeout).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "support/enforcer_fixture.h"
#include "support/face_media.h"
#include "testing/stream_fixtures.h"

namespace bisk::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

// SPEC §5: a runner exits within 2 s of SIGTERM. Under AddressSanitizer every
// step of its shutdown (joining the recognition thread in the middle of a
// frame, closing the decoder, the final sighting and heartbeat calls) runs
// 2-3x slower on a loaded 2-core machine, so the bound gets a second of slack
// there; the normal build is held to the contract itself.
#if defined(__SANITIZE_ADDRESS__)
constexpr auto kStopBound = std::chrono::milliseconds(3000);
#else
constexpr auto kStopBound = std::chrono::milliseconds(2000);
#endif

// Generous bounds for a loaded machine (ctest -j2 on 2 cores, sanitizer builds):
// loading the models, connecting, and a sighting's 10 s cooldown window.
constexpr auto kFirstFrames = std::chrono::seconds(60);
constexpr auto kFirstEvent = std::chrono::seconds(90);
constexpr auto kOutageReported = std::chrono::seconds(30);
constexpr auto kStreamingAgain = std::chrono::seconds(60);
constexpr auto kEventAgain = std::chrono::seconds(60);

// 30 blocks of 8 s (4 minutes): the RTSP server does not loop within a test.
constexpr int kVideoRepeats = 30;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail(const std::string& text, std::size_t max_chars) {
  return text.size() <= max_chars ? text : "[…]" + text.substr(text.size() - max_chars);
}

// `last_frame_at` of the heartbeat stored in the row (nullopt before the first frame).
std::optional<Instant> last_frame_at(const RunningProcess& row) {
  if (!row.last_metrics) return std::nullopt;
  const nlohmann::json metrics = nlohmann::json::parse(*row.last_metrics, nullptr, false);
  if (metrics.is_discarded() || !metrics.contains("last_frame_at") || !metrics["last_frame_at"].is_string())
    return std::nullopt;
  return parse_instant(metrics["last_frame_at"].get<std::string>());
}

std::string describe_row(const std::optional<RunningProcess>& row) {
  if (!row) return "no RunningProcess row";
  std::ostringstream text;
  text << "row " << row->id << " pid " << row->pid << " lifecycle " << row->lifecycle << " camera_fps "
       << row->camera_fps.value_or(-1) << " reconnects " << row->reconnects.value_or(-1) << " last_error '"
       << row->last_error.value_or("") << "' last_metrics " << row->last_metrics.value_or("-");
  return text.str();
}

class RunnerEnforcerTest : public EnforcerFixture {
 protected:
  void SetUp() override {
    if (!face_models_present()) GTEST_SKIP() << kNoFaceModels << assets_dir();
    EnforcerFixture::SetUp();
  }

  void TearDown() override {
    // The camera is a child of the test too: it goes first, so that the
    // fixture's check finds no process of the test left but the ones it checks.
    if (camera_) camera_->stop();
    reap_orphaned_ffmpeg();
    EnforcerFixture::TearDown();
  }

  // Grace and a student who is not in the video enrolled, the video served
  // over RTSP, a camera on it and a profile desired now (heartbeat every second).
  void prepare_classroom() {
    const fs::path work = fs::path(home()) / "work";
    fs::create_directories(work);
    grace_ = enroll("GRACE", asset_media("grace_hopper_512x512.jpg").string());
    // Messi's face in the photo is too small to enroll: three times larger it is not.
    const std::string messi = (work / "messi_x3.jpg").string();
    run_ffmpeg({"-i", asset_media("messi5.jpg").string(), "-vf", "scale=iw*3:ih*3", messi});
    other_ = enroll("MESSI", messi);
    const std::string video = make_classroom_video(work, kVideoRepeats);
    camera_ = std::make_unique<RtspServer>(std::vector<std::string>{"--file", video}, free_loopback_port());
    ASSERT_TRUE(start_camera());
    camera_id_ = add_camera("Room 101", camera_->url());
    update_camera(camera_id_, [](Camera& camera) { camera.rtsp_transport = "tcp"; });
    profile_id_ = add_profile("Lessons", /*hb_interval=*/1, /*fps=*/3);
    add_policy({camera_id_}, profile_id_, always());
  }

  // (Re)starts the camera on its port, retrying while the port is not yet free again.
  bool start_camera() {
    return wait_until(
        [&] {
          if (camera_->start()) return true;
          camera_->stop(SIGKILL);
          return false;
        },
        30s, 200ms);
  }

  Id enroll(const std::string& code, const std::string& photo) {
    Student student;
    student.code = code;
    student.first_name = code;
    student.last_name = "Test";
    const Id id = StudentStore(db()).add(student);
    const ProcessResult enrolled =
        bisk({"enroll", "--student", code, photo}, {{"BISK_MODEL_DIR", model_dir().string()}}, 120s);
    EXPECT_EQ(enrolled.exit_code, 0) << enrolled.out << enrolled.err;
    return id;
  }

  // The enforcer with the real runner in flavour `impl`.
  EnforcerProcess& start_real_enforcer(const std::string& impl) {
    return start_enforcer({
        {"BISK_RUNNER_PROGRAM", BISK_BINARY},
        {"BISK_RUNNER_IMPL", impl},
        {"BISK_MODEL_DIR", model_dir().string()},
        {"BISK_STRICT_BINARIES", "1"},  // ffmpeg must be there
        // Loading the models takes a while under a sanitizer: not "silent".
        {"BISK_RUNNER_SILENT_AFTER", "60"},
        // Longer than the runner's own 2 s, so a slow stop shows as such and is not cut short by SIGKILL.
        {"BISK_STOP_GRACE", "5"},
    });
  }

  std::optional<RunningProcess> current_row() { return ProcessStore(db()).current_for_pair(camera_id_, profile_id_); }

  // The pair's current runner streams: frames decoded after `since`, no error.
  bool streaming_since(Instant since, int pid = 0) {
    const auto row = current_row();
    if (!row || row->lifecycle != "running" || (pid != 0 && row->pid != pid)) return false;
    const auto frame_at = last_frame_at(*row);
    return row->camera_fps.value_or(0) > 0 && row->last_error.value_or("").empty() && frame_at && *frame_at > since;
  }

  std::vector<AttendanceEvent> all_events() {
    AttendanceStore::Filter filter;
    filter.limit = 100000;
    return AttendanceStore(db()).events(filter, find_time_zone("UTC"));
  }

  // Every event so far is Grace's, on this camera, with its crop on disk.
  void expect_only_grace() {
    const std::string media = enforcer_environment().at("BISK_MEDIA_DIR");
    for (const AttendanceEvent& event : all_events()) {
      SCOPED_TRACE("event " + std::to_string(event.id) + " at " + format_instant(event.ts_at));
      EXPECT_EQ(event.student_id, grace_) << "only Grace is in the video (student " << other_ << " is not)";
      EXPECT_EQ(event.camera_id, std::optional<Id>(camera_id_));
      EXPECT_GE(event.score, 0.5);
      EXPECT_FALSE(event.crop_path.empty());
      EXPECT_TRUE(!event.crop_path.empty() && fs::is_regular_file(fs::path(media) / event.crop_path))
          << "crop " << event.crop_path << " under " << media;
    }
  }

  std::string runner_log() const {
    return read_text(log_dir() + "/runner-" + std::to_string(camera_id_) + "-" + std::to_string(profile_id_) + ".log");
  }

  std::string diagnostics() { return describe_row(current_row()) + "\n---- runner log\n" + tail(runner_log(), 3000); }

  // The ffmpeg processes reading this camera.
  std::vector<int> ffmpeg_on_camera() {
    return ffmpeg_processes_with_arg("127.0.0.1:" + std::to_string(camera_->port()) + "/");
  }

  // An ffmpeg whose runner died is reparented to the test process (a child
  // subreaper, see enforcer_fixture.h), whose reaper takes fake runners only.
  static void reap_orphaned_ffmpeg() {
    const int self = getpid();
    wait_until(
        [&] {
          bool left = false;
          for (const ProcInfo& process : all_processes()) {
            if (process.ppid != self || process.comm != "ffmpeg") continue;
            if (process.state != 'Z' || waitpid(process.pid, nullptr, WNOHANG) != process.pid) left = true;
          }
          return !left;
        },
        3s);
  }

  // Checks that `pid` is the real runner of flavour `impl`, started by `enforcer`.
  void expect_real_runner(int pid, const std::string& impl, const EnforcerProcess& enforcer) {
    const std::vector<std::string> argv = proc_cmdline(pid);
    ASSERT_GE(argv.size(), 4u) << describe_processes({pid});
    EXPECT_EQ(argv[0], BISK_BINARY);
    EXPECT_EQ(argv[1], "runner");
    EXPECT_EQ(argv[2], "--impl");
    EXPECT_EQ(argv[3], impl);
    const auto info = proc_info(pid);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->ppid, enforcer.pid()) << "the enforcer's child";
    EXPECT_EQ(info->pgid, pid) << "in its own process group";
  }

  // Full scenario for one flavour: recognition, the camera dying and coming
  // back, and SIGTERM to the enforcer.
  void recognise_survive_camera_restart_and_stop(const std::string& impl);

  std::unique_ptr<RtspServer> camera_;
  Id camera_id_ = 0;
  Id profile_id_ = 0;
  Id grace_ = 0;
  Id other_ = 0;
};

void RunnerEnforcerTest::recognise_survive_camera_restart_and_stop(const std::string& impl) {
  ASSERT_NO_FATAL_FAILURE(prepare_classroom());
  const Instant started = now_instant();
  EnforcerProcess& enforcer = start_real_enforcer(impl);

  // The enforcer starts the real runner; its heartbeats show frames flowing.
  ASSERT_TRUE(wait_until([&] { return streaming_since(started); }, kFirstFrames)) << diagnostics();
  const int pid = current_row()->pid;
  ASSERT_NO_FATAL_FAILURE(expect_real_runner(pid, impl, enforcer));
  EXPECT_EQ(current_row()->impl, impl);
  if (impl == "ffmpeg_all") {
    EXPECT_TRUE(wait_until([&] { return !ffmpeg_children(pid).empty(); }, 10s)) << "ffmpeg_all decodes in a child";
  } else {
    EXPECT_TRUE(ffmpeg_on_camera().empty()) << "ffmpeg_one decodes in the runner itself";
  }

  // Grace is recognised; nobody else is reported.
  ASSERT_TRUE(wait_until([&] { return !all_events().empty(); }, kFirstEvent)) << diagnostics();
  expect_only_grace();

  // The camera dies mid-stream: the runner stays up and says so in its heartbeats.
  const long long reconnects_before = current_row()->reconnects.value_or(0);
  camera_->stop(SIGKILL);
  const Instant killed = now_instant();
  ASSERT_TRUE(wait_until(
      [&] {
        const auto row = current_row();
        return row && row->pid == pid && row->last_heartbeat_at && *row->last_heartbeat_at > killed &&
               !row->last_error.value_or("").empty();
      },
      kOutageReported))
      << diagnostics();
  const RunningProcess lost = *current_row();
  EXPECT_TRUE(pid_alive(pid)) << "the runner stays up while its camera is away";
  EXPECT_THAT(lost.last_metrics.value_or(""), HasSubstr("\"state\":\"reconnecting\"")) << describe_row(lost);

  // The camera comes back on the same port: the same runner streams and recognises again.
  ASSERT_TRUE(start_camera());
  const Instant restarted = now_instant();
  ASSERT_TRUE(wait_until([&] { return streaming_since(restarted, pid); }, kStreamingAgain))
      << "last error while the camera was away: " << lost.last_error.value_or("") << "\n"
      << diagnostics();
  const RunningProcess resumed = *current_row();
  EXPECT_GT(resumed.reconnects.value_or(0), reconnects_before) << describe_row(resumed);
  EXPECT_GE(resumed.reconnects.value_or(0), lost.reconnects.value_or(0)) << describe_row(resumed);
  ASSERT_TRUE(wait_until(
      [&] {
        for (const AttendanceEvent& event : all_events())
          if (event.ts_at > restarted) return true;
        return false;
      },
      kEventAgain))
      << "no sighting after the camera came back\n"
      << diagnostics();
  expect_only_grace();
  EXPECT_EQ(rows(camera_id_, profile_id_).size(), 1u) << "one runner throughout: the enforcer never restarted it";

  // SIGTERM to the enforcer: it stops the runner, which is gone within 2 s of
  // being told (the enforcer logs the stop right after signalling it), ffmpeg with it.
  const std::string told_line = " pid " + std::to_string(pid) + ": ";
  auto was_told = [&] {
    const std::string log = enforcer.log();
    for (auto at = log.find(told_line); at != std::string::npos; at = log.find(told_line, at + 1)) {
      const auto line_start = log.rfind('\n', at);
      if (log.compare(line_start == std::string::npos ? 0 : line_start + 1, 16, "stopping runner ") == 0) return true;
    }
    return false;
  };
  std::optional<Clock::time_point> told, gone;
  std::vector<int> ffmpeg_left;
  const auto sent = Clock::now();
  ASSERT_EQ(kill(enforcer.pid(), SIGTERM), 0);
  wait_until(
      [&] {
        if (!told && was_told()) told = Clock::now();
        if (pid_alive(pid)) return false;
        gone = Clock::now();
        ffmpeg_left = ffmpeg_on_camera();  // at the moment the runner is gone
        if (!told && was_told()) told = gone;
        return true;
      },
      15s, 5ms);
  ASSERT_TRUE(gone) << "the runner still runs 15 s after SIGTERM to the enforcer\n" << diagnostics();
  ASSERT_TRUE(told) << "the enforcer did not log stopping runner pid " << pid << "\n" << enforcer.log();
  const auto stop_ms = [](auto duration) { return std::chrono::duration_cast<std::chrono::milliseconds>(duration); };
  EXPECT_LE(stop_ms(*gone - *told), kStopBound) << "from the enforcer's SIGTERM to the runner to its exit";
  EXPECT_LE(stop_ms(*gone - sent), kStopBound + 1s) << "from SIGTERM to the enforcer to the runner's exit";
  EXPECT_TRUE(ffmpeg_left.empty()) << "ffmpeg outlived its runner:\n" << describe_processes(ffmpeg_left);
  const auto code = enforcer.wait_exit(15s);
  ASSERT_TRUE(code) << "the enforcer did not exit after SIGTERM";
  EXPECT_EQ(*code, 0);
  const RunningProcess ended = rows(camera_id_, profile_id_).front();
  EXPECT_EQ(ended.pid, pid);
  EXPECT_EQ(ended.lifecycle, "stopped");
  EXPECT_EQ(ended.exit_code, std::optional<int>(0)) << "the runner exited by itself, not killed after the grace";
  EXPECT_FALSE(ended.exit_signal) << "signal " << ended.exit_signal.value_or(0);
  EXPECT_TRUE(ffmpeg_on_camera().empty());
  EXPECT_THAT(ended.last_metrics.value_or(""), HasSubstr("\"state\":\"stopping\"")) << "its final heartbeat";
}

TEST_P(RunnerEnforcerTest, FfmpegAllRecognisesOnlyTheEnrolledSurvivesACameraRestartAndStopsInTime) {
  recognise_survive_camera_restart_and_stop("ffmpeg_all");
}

TEST_P(RunnerEnforcerTest, FfmpegOneRecognisesOnlyTheEnrolledSurvivesACameraRestartAndStopsInTime) {
  recognise_survive_camera_restart_and_stop("ffmpeg_one");
}

// ffmpeg_all only: ffmpeg_one has no child to leave behind.
TEST_P(RunnerEnforcerTest, AKilledRunnerLeavesNoFfmpegAndIsRestartedStreaming) {
  ASSERT_NO_FATAL_FAILURE(prepare_classroom());
  const Instant started = now_instant();
  EnforcerProcess& enforcer = start_real_enforcer("ffmpeg_all");
  ASSERT_TRUE(wait_until([&] { return streaming_since(started); }, kFirstFrames)) << diagnostics();
  const int pid = current_row()->pid;
  ASSERT_NO_FATAL_FAILURE(expect_real_runner(pid, "ffmpeg_all", enforcer));
  std::vector<pid_t> decoders;
  ASSERT_TRUE(wait_until(
      [&] {
        decoders = ffmpeg_children(pid);
        return !decoders.empty();
      },
      10s));

  ASSERT_EQ(kill(pid, SIGKILL), 0);
  const Instant killed = now_instant();
  // An exiting ffmpeg loses its command line before it is gone, so wait for
  // its pid too, not only for the processes reading the camera.
  std::vector<int> left;
  EXPECT_TRUE(wait_until(
      [&] {
        left = ffmpeg_on_camera();
        return left.empty() &&
               std::none_of(decoders.begin(), decoders.end(), [this](pid_t decoder) { return pid_alive(decoder); });
      },
      5s))
      << "ffmpeg outlived its SIGKILLed runner:\n"
      << describe_processes(left);
  for (const int decoder : decoders) EXPECT_FALSE(pid_alive(decoder)) << "ffmpeg " << decoder;

  // The enforcer restarts it (after its 2 s backoff); the new runner streams.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto row = current_row();
        return row && row->pid != pid && streaming_since(killed, row->pid);
      },
      kStreamingAgain))
      << diagnostics() << "\n"
      << enforcer.log();
  const int new_pid = current_row()->pid;
  ASSERT_NO_FATAL_FAILURE(expect_real_runner(new_pid, "ffmpeg_all", enforcer));
  EXPECT_TRUE(wait_until([&] { return !ffmpeg_children(new_pid).empty(); }, 10s));
  const std::vector<RunningProcess> history = rows(camera_id_, profile_id_);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].pid, pid);
  EXPECT_EQ(history[1].lifecycle, "failed");
  EXPECT_EQ(history[1].exit_signal, std::optional<int>(SIGKILL));
  EXPECT_TRUE(enforcer.running());
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerEnforcerTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing

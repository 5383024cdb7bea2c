#include "runner/runner.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>

#include "common/url.h"
#include "config/model_files.h"
#include "runner/face_matcher.h"
#include "runner/face_pipeline.h"
#include "runner/face_recognizer.h"
#include "runner/frame_slot.h"
#include "runner/image_codec.h"
#include "runner/runner_api_client.h"
#include "runner/snapshot_writer.h"
#include "runner/stream_supervisor.h"
#include "runner/telemetry.h"

namespace bisk {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr int kMaxFrameWidth = 1280;
constexpr auto kTakeTimeout = 200ms;
constexpr auto kFinalCallTimeout = 500ms;
constexpr std::size_t kMaxQueuedSightings = 200;
constexpr int kCropJpegQuality = 90;
constexpr float kCropMargin = 0.25f;  // of the face box, on each side

// The gallery the reporter refreshes and recognition reads. A refresh swaps
// in a new immutable FaceGallery: recognition notices by the pointer changing.
class SharedGallery {
 public:
  std::shared_ptr<const FaceGallery> faces() const {
    std::lock_guard lock(mutex_);
    return faces_;
  }
  std::optional<long long> version() const {
    std::lock_guard lock(mutex_);
    return version_;
  }
  // Returns the new gallery (for the log line).
  std::shared_ptr<const FaceGallery> replace(const Gallery& gallery) {
    std::vector<GalleryFace> templates;
    for (const GalleryStudent& student : gallery.students) {
      for (const auto& embedding : student.embeddings) templates.push_back({student.student_id, embedding});
    }
    auto faces = std::make_shared<const FaceGallery>(templates, FaceEmbedder::kDimension);
    std::lock_guard lock(mutex_);
    faces_ = faces;
    version_ = gallery.version;
    return faces;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const FaceGallery> faces_ = std::make_shared<const FaceGallery>();
  std::optional<long long> version_;
};

// Sightings from recognition waiting for the reporter, which is woken by each
// new one so that an event reaches the server as soon as its window closes.
class SightingQueue {
 public:
  void push(SightingReport report) {
    {
      std::lock_guard lock(mutex_);
      if (queue_.size() >= kMaxQueuedSightings) queue_.pop_front();  // the server is away: keep the newest
      queue_.push_back(std::move(report));
      ++pushed_;
    }
    pushed_wake_.notify_all();
  }
  std::deque<SightingReport> take_all() {
    std::lock_guard lock(mutex_);
    seen_ = pushed_;
    return std::exchange(queue_, {});
  }
  // Sightings the server did not take, for the next attempt; they do not wake wait().
  void put_back(std::deque<SightingReport> reports) {
    std::lock_guard lock(mutex_);
    for (auto it = reports.rbegin(); it != reports.rend() && queue_.size() < kMaxQueuedSightings; ++it)
      queue_.push_front(std::move(*it));
  }
  // Until a sighting was pushed since the last take_all(), `deadline` or a stop request.
  void wait(std::stop_token stop, SteadyClock::time_point deadline) {
    std::unique_lock lock(mutex_);
    pushed_wake_.wait_until(lock, stop, deadline, [this] { return pushed_ != seen_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any pushed_wake_;
  std::deque<SightingReport> queue_;
  unsigned long long pushed_ = 0;  // sightings ever pushed
  unsigned long long seen_ = 0;    // pushed_ at the last take_all()
};

bool is_file_input(const std::string& url) {
  return url.find("://") == std::string::npos || url.rfind("file:", 0) == 0;
}

// The face with some context around it, as the operator will see it.
cv::Mat crop_around(const cv::Mat& frame, const cv::Rect2f& box) {
  const float dx = box.width * kCropMargin;
  const float dy = box.height * kCropMargin;
  const cv::Rect wanted(cv::Point(static_cast<int>(box.x - dx), static_cast<int>(box.y - dy)),
                        cv::Point(static_cast<int>(box.x + box.width + dx), static_cast<int>(box.y + box.height + dy)));
  const cv::Rect clipped = wanted & cv::Rect(0, 0, frame.cols, frame.rows);
  return frame(clipped).clone();
}

SightingReport to_report(const SightingCooldown::Sighting& sighting, const RunnerOptions& options) {
  SightingReport report;
  report.camera_id = options.camera_id;
  report.profile_id = options.profile_id;
  report.student_id = sighting.match.student_id;
  report.score = std::clamp(static_cast<double>(sighting.match.score), 0.0, 1.0);
  report.ts = std::chrono::time_point_cast<std::chrono::milliseconds>(sighting.seen_wall);
  report.crop_jpeg = encode_jpeg(sighting.crop, kCropJpegQuality);
  return report;
}

FacePipelineOptions pipeline_options(const RunnerOptions& options) {
  FacePipelineOptions pipeline;
  // One inference thread: cameras run side by side, one runner each, and
  // OpenCV's default pool (one thread per core) costs 10-15 % more CPU per
  // frame in each of them (bench/recognition_bench.cc).
  pipeline.threads = 1;
  pipeline.cuda = options.device == "cuda";
  pipeline.gpu_index = options.gpu_index.value_or(0);
  return pipeline;
}

// One runner's parts and threads.
class Runner {
 public:
  Runner(const RunnerOptions& options, const RunnerEnvironment& environment, std::ostream& log)
      : options_(options),
        environment_(environment),
        log_(log),
        pipeline_(environment.model_dir, pipeline_options(options)),
        client_(options.heartbeat_url, options.heartbeat_key),
        telemetry_(TelemetryFields{options.camera_id, options.profile_id, static_cast<int>(getpid()), options.fps,
                                   options.snapshot_every_s, options.min_face_px, std::string(kFaceModelId),
                                   pipeline_.device()}),
        cooldown_(environment.cooldown) {}

  void start() {
    if (options_.device == "cuda" && pipeline_.device() != "cuda") {
      say(std::string("--device cuda: ") +
          (cuda_inference_available() ? "no CUDA device " + std::to_string(options_.gpu_index.value_or(0))
                                      : std::string("this OpenCV build has no CUDA backend for cv::dnn")) +
          "; recognition runs on the CPU");
    }
    SupervisorOptions supervision;
    supervision.url = options_.stream_url;
    supervision.source.target_fps = options_.fps;
    supervision.source.max_width = kMaxFrameWidth;
    supervision.source.rtsp_transport = options_.rtsp_transport;
    supervision.source.ffmpeg_bin = environment_.ffmpeg_bin;
    // A file posing as a camera plays at its own pace, over and over.
    supervision.source.realtime = supervision.source.loop = is_file_input(options_.stream_url);
    supervision.log = [this](const std::string& line) { say(line); };
    std::error_code ignored;  // SnapshotWriter reports a directory it cannot write to
    std::filesystem::create_directories(options_.snapshot_dir, ignored);
    supervisor_ = std::make_unique<StreamSupervisor>(make_frame_source(options_.impl), supervision, slot_);
    snapshots_ = std::make_unique<SnapshotWriter>(options_.snapshot_dir, std::to_string(options_.camera_id),
                                                  std::chrono::seconds(options_.snapshot_every_s),
                                                  [this] { return supervisor_->latest(); });
    say("starting: camera " + std::to_string(options_.camera_id) + ", profile " + std::to_string(options_.profile_id) +
        ", " + options_.impl + ", " + mask_url(options_.stream_url) + " at " + std::to_string(options_.fps) + " fps");
    supervisor_->start();
    snapshots_->start();
    recognition_ = std::jthread([this](std::stop_token stop) { recognize(stop); });
    reporter_ = std::jthread([this](std::stop_token stop) { report(stop); });
  }

  // The exit code when the reporter found the configuration unusable.
  std::optional<int> fatal() const {
    std::lock_guard lock(fatal_mutex_);
    return fatal_;
  }

  void stop() {
    recognition_.request_stop();
    slot_.close();
    reporter_.request_stop();
    supervisor_->stop();
    snapshots_->stop();
    if (recognition_.joinable()) recognition_.join();
    if (reporter_.joinable()) reporter_.join();
    for (const auto& sighting : cooldown_.flush()) sightings_.push(to_report(sighting, options_));
    // The last words, briefly: the runner must be gone within 2 s of SIGTERM.
    RunnerApiClient last_call(options_.heartbeat_url, options_.heartbeat_key, kFinalCallTimeout);
    for (SightingReport& report : sightings_.take_all()) {
      if (auto error = last_call.post_sighting(report)) say(*error);
    }
    refresh_stats();
    const HeartbeatReply reply = last_call.heartbeat(telemetry_.heartbeat_json("stopping", SteadyClock::now()));
    if (!reply.ok()) say("final heartbeat not delivered: " + reply.error);
    say("stopped");
  }

 private:
  void say(const std::string& line) {
    std::lock_guard lock(log_mutex_);
    log_ << "runner " << options_.camera_id << "/" << options_.profile_id << ": " << line << std::endl;
  }

  void fail(int code, const std::string& why) {
    {
      std::lock_guard lock(fatal_mutex_);
      if (fatal_) return;
      fatal_ = code;
    }
    say(why);
    kill(getpid(), SIGUSR1);  // wakes the main thread's sigwait
  }

  void recognize(std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::optional<Frame> frame = slot_.take(kTakeTimeout);
      for (const auto& sighting : cooldown_.due(SteadyClock::now())) sightings_.push(to_report(sighting, options_));
      if (!frame) continue;
      const FaceRecognizer::Result result = recognizer_.recognize(frame->bgr, gallery_.faces(), SteadyClock::now());
      int matched = 0;
      for (const FaceRecognizer::RecognizedFace& face : result.faces) {
        if (!face.match) continue;
        ++matched;
        // A face the tracker answered for is the same sighting as before: only fresh ones are offered.
        if (face.described)
          cooldown_.offer(*face.match, crop_around(frame->bgr, face.detection.box), SteadyClock::now(),
                          std::chrono::system_clock::now());
      }
      const auto done = SteadyClock::now();
      telemetry_.frame_processed(done, std::chrono::duration<double, std::milli>(done - frame->decoded_at).count(),
                                 result.counts.detected, matched);
    }
  }

  // SPEC §6 heartbeat state: starting until the first frame, running while
  // frames flow, reconnecting while the stream is lost and retried.
  static std::string stream_state(const StreamStats& stats) {
    if (stats.connected) return "running";
    return stats.frames == 0 && stats.last_error.empty() ? "starting" : "reconnecting";
  }

  // One reading of the stream's stats into the telemetry; returns the state it implies.
  std::string refresh_stats() {
    const StreamStats stats = supervisor_->stats();
    telemetry_.set_dropped_frames(stats.dropped);
    telemetry_.set_reconnects(stats.reconnects);
    std::optional<Instant> last_frame_at;
    if (stats.last_frame_at) {
      last_frame_at = std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now() -
          std::chrono::duration_cast<std::chrono::system_clock::duration>(SteadyClock::now() - *stats.last_frame_at));
    }
    telemetry_.set_stream(stats.camera_fps, last_frame_at);
    if (!gallery_error_.empty()) {
      telemetry_.set_last_error(gallery_error_);
    } else if (!stats.connected && !stats.last_error.empty()) {
      telemetry_.set_last_error(stats.last_error);
    } else {
      telemetry_.set_last_error(std::nullopt);
    }
    return stream_state(stats);
  }

  void refresh_gallery() {
    auto fetched = client_.fetch_gallery();
    if (auto* error = std::get_if<std::string>(&fetched)) {
      gallery_error_ = *error;
      say(*error);
      return;
    }
    const Gallery& gallery = std::get<Gallery>(fetched);
    if (gallery.model != kFaceModelId) {
      fail(2, "the server's gallery is for the model '" + gallery.model + "', this runner computes '" +
                  std::string(kFaceModelId) + "': update bisk on this host or the server");
      return;
    }
    gallery_error_.clear();
    const auto faces = gallery_.replace(gallery);
    say("gallery version " + std::to_string(gallery.version) + ": " + std::to_string(gallery.students.size()) +
        " student(s), " + std::to_string(faces->templates()) + " template(s)" +
        (faces->dropped() ? ", " + std::to_string(faces->dropped()) + " unusable (not " +
                                std::to_string(FaceEmbedder::kDimension) + " non-zero values) left out"
                          : std::string()));
  }

  void post_sightings() {
    std::deque<SightingReport> reports = sightings_.take_all();
    while (!reports.empty()) {
      if (auto error = client_.post_sighting(reports.front())) {
        say(*error);
        if (error->find("status 4") != std::string::npos) {
          reports.pop_front();  // refused for good (e.g. a deleted student): do not retry
          continue;
        }
        sightings_.put_back(std::move(reports));  // the server is away: retry next time
        return;
      }
      reports.pop_front();
    }
  }

  // A heartbeat every hb_interval; sightings as soon as they are queued (and
  // those the server did not take, again at each heartbeat).
  void report(std::stop_token stop) {
    std::string last_failure;
    auto next_heartbeat = SteadyClock::now();
    while (!stop.stop_requested()) {
      if (SteadyClock::now() >= next_heartbeat) {
        next_heartbeat = SteadyClock::now() + std::chrono::seconds(options_.hb_interval_s);
        const std::string state = refresh_stats();
        const HeartbeatReply reply = client_.heartbeat(telemetry_.heartbeat_json(state, SteadyClock::now()));
        if (!reply.ok() && reply.error != last_failure) say("heartbeat failed: " + reply.error);
        last_failure = reply.ok() ? "" : reply.error;
        if (reply.ok() && reply.gallery_version != gallery_.version()) refresh_gallery();
      }
      post_sightings();
      sightings_.wait(stop, next_heartbeat);
    }
  }

  const RunnerOptions& options_;
  const RunnerEnvironment& environment_;
  std::ostream& log_;
  std::mutex log_mutex_;
  FacePipeline pipeline_;
  RunnerApiClient client_;
  Telemetry telemetry_;
  SightingCooldown cooldown_;  // recognition thread only
  FaceRecognizer recognizer_{pipeline_,
                             {options_.min_face_px, detector_width(options_), static_cast<float>(options_.min_score),
                              environment_.margin, /*track=*/true}};  // recognition thread only
  FrameSlot slot_;
  SharedGallery gallery_;
  SightingQueue sightings_;
  std::string gallery_error_;  // reporter thread only
  std::unique_ptr<StreamSupervisor> supervisor_;
  std::unique_ptr<SnapshotWriter> snapshots_;
  std::jthread recognition_, reporter_;
  mutable std::mutex fatal_mutex_;
  std::optional<int> fatal_;
};

}  // namespace

int run_runner(const RunnerOptions& options, const RunnerEnvironment& environment, std::ostream& log) {
  // A few threads, each with its own glibc arena by default: two arenas keep
  // the resident memory of many runners on one host down.
  mallopt(M_ARENA_MAX, 2);
  // Blocked before any thread starts, so they arrive only at the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int signal : {SIGTERM, SIGINT, SIGUSR1}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::unique_ptr<Runner> runner;
  try {
    runner = std::make_unique<Runner>(options, environment, log);
  } catch (const std::exception& error) {
    log << "bisk runner: " << error.what() << std::endl;
    return 2;  // a missing or unreadable model: restarting cannot help
  }
  runner->start();
  int signal = 0;
  sigwait(&signals, &signal);
  const int code = signal == SIGUSR1 ? runner->fatal().value_or(1) : 0;
  runner->stop();
  return code;
}

}  // namespace bisk

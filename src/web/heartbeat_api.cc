#include "web/heartbeat_api.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include <soci/soci.h>
#include <nlohmann/json.hpp>

#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "store/store_error.h"
#include "web/http_util.h"
#include "web/metrics.h"
#include "web/routes.h"
#include "web/runner_api.h"

namespace bisk {
namespace {

using RawJson = nlohmann::json;  // unordered: the faster DOM for the hot path

constexpr double kMaxMeasure = 1e6;
constexpr long long kMaxCounter = 1LL << 53;
constexpr long long kMaxSetting = 1000000;
constexpr std::size_t kMaxErrorChars = 512;
constexpr std::size_t kMaxStateChars = 32;
constexpr std::size_t kMaxNameChars = 64;

// Reads the fields of one heartbeat object, keeping the first error.
class FieldReader {
 public:
  explicit FieldReader(const RawJson& object) : object_(object) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Absent and null read the same.
  const RawJson* find(const char* name) const {
    const auto it = object_.find(name);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  void fail(const char* name, std::string_view problem) {
    if (!error_.empty()) return;
    error_.append(name).append(": ").append(problem);
  }
  void must_be(const char* name, std::string_view what) {
    if (!error_.empty()) return;
    error_.append(name).append(": must be ").append(what);
  }

  std::optional<long long> integer(const char* name, long long min, long long max, std::string_view what) {
    const RawJson* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) {
      const auto number = value->get<std::uint64_t>();
      if (number <= static_cast<std::uint64_t>(max) && static_cast<long long>(number) >= min)
        return static_cast<long long>(number);
    } else if (value->is_number_integer()) {
      const auto number = value->get<std::int64_t>();
      if (number >= min && number <= max) return number;
    }
    must_be(name, what);
    return std::nullopt;
  }

  long long required_integer(const char* name, long long max, std::string_view what) {
    if (find(name) == nullptr) {
      fail(name, "is required");
      return 0;
    }
    return integer(name, 1, max, what).value_or(0);
  }

  std::optional<double> measure(const char* name) {
    const RawJson* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->is_number()) {
      const double number = value->get<double>();
      if (std::isfinite(number) && number >= 0 && number <= kMaxMeasure) return number;
    }
    must_be(name, "a number from 0 to 1000000");
    return std::nullopt;
  }

  // A string of at most max_chars characters without control characters. Free
  // text (an error message) is trimmed and may hold line breaks and tabs.
  std::optional<std::string> text(const char* name, std::size_t max_chars, bool free_text, std::string_view what) {
    const RawJson* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->is_string()) {
      std::string_view text = value->get_ref<const std::string&>();
      if (free_text) text = trim(text);
      if (has_only_allowed_characters(text, free_text) && utf8_length(text) <= max_chars) return std::string(text);
    }
    must_be(name, what);
    return std::nullopt;
  }

  std::optional<Instant> instant(const char* name) {
    const RawJson* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->is_string()) {
      if (auto instant = parse_instant(value->get_ref<const std::string&>())) return instant;
    }
    must_be(name, "an ISO-8601 instant with an offset, e.g. 2026-03-02T08:00:00+01:00");
    return std::nullopt;
  }

 private:
  static std::string_view trim(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  }

  static bool has_only_allowed_characters(std::string_view text, bool free_text) {
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte == 0x7f || (byte < 0x20 && !(free_text && (c == '\n' || c == '\t')))) return false;
    }
    return true;
  }

  // The parser has validated UTF-8: count the bytes that start a character.
  static std::size_t utf8_length(std::string_view text) {
    std::size_t length = 0;
    for (const char c : text) length += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    return length;
  }

  const RawJson& object_;
  std::string error_;
};

bool is_known_state(std::string_view state) {
  for (const auto known : kHeartbeatStates)
    if (state == known) return true;
  return false;
}

// The validated fields as compact JSON, for RunningProcess.last_metrics.
std::string serialise(const Heartbeat& heartbeat) {
  RawJson json = {{"camera_id", heartbeat.camera_id}, {"profile_id", heartbeat.profile_id}, {"pid", heartbeat.pid}};
  const auto put = [&json](const char* name, const auto& value) {
    if (value) json[name] = *value;
  };
  put("state", heartbeat.state);
  put("camera_fps", heartbeat.camera_fps);
  put("processed_fps", heartbeat.processed_fps);
  put("target_fps", heartbeat.target_fps);
  put("latency_ms", heartbeat.latency_ms);
  put("dropped_frames", heartbeat.dropped_frames);
  put("detected", heartbeat.detected);
  put("matched", heartbeat.matched);
  put("reconnects", heartbeat.reconnects);
  if (heartbeat.last_frame_at) json["last_frame_at"] = format_instant(*heartbeat.last_frame_at);
  put("last_error", heartbeat.last_error);
  put("snapshot_every", heartbeat.snapshot_every);
  put("min_face_px", heartbeat.min_face_px);
  put("model", heartbeat.model);
  put("device", heartbeat.device);
  return json.dump();
}

void read_fields(FieldReader& reader, Heartbeat& heartbeat) {
  constexpr auto kMaxId = std::numeric_limits<Id>::max();
  heartbeat.camera_id = reader.required_integer("camera_id", kMaxId, "a positive integer");
  heartbeat.profile_id = reader.required_integer("profile_id", kMaxId, "a positive integer");
  heartbeat.pid = static_cast<int>(
      reader.required_integer("pid", std::numeric_limits<std::int32_t>::max(), "a positive 32-bit integer"));
  heartbeat.state = reader.text("state", kMaxStateChars, false, "one of starting, running, reconnecting, stopping");
  if (heartbeat.state && !is_known_state(*heartbeat.state))
    reader.must_be("state", "one of starting, running, reconnecting, stopping");
  heartbeat.camera_fps = reader.measure("camera_fps");
  heartbeat.processed_fps = reader.measure("processed_fps");
  heartbeat.target_fps = reader.measure("target_fps");
  heartbeat.latency_ms = reader.measure("latency_ms");
  constexpr std::string_view kCounter = "an integer from 0 to 2^53";
  heartbeat.dropped_frames = reader.integer("dropped_frames", 0, kMaxCounter, kCounter);
  heartbeat.detected = reader.integer("detected", 0, kMaxCounter, kCounter);
  heartbeat.matched = reader.integer("matched", 0, kMaxCounter, kCounter);
  heartbeat.reconnects = reader.integer("reconnects", 0, kMaxCounter, kCounter);
  heartbeat.last_frame_at = reader.instant("last_frame_at");
  heartbeat.last_error =
      reader.text("last_error", kMaxErrorChars, true, "a string of at most 512 characters without control characters");
  constexpr std::string_view kSetting = "an integer from 0 to 1000000";
  if (auto value = reader.integer("snapshot_every", 0, kMaxSetting, kSetting)) heartbeat.snapshot_every = *value;
  if (auto value = reader.integer("min_face_px", 0, kMaxSetting, kSetting)) heartbeat.min_face_px = *value;
  constexpr std::string_view kName = "a string of at most 64 characters without control characters";
  heartbeat.model = reader.text("model", kMaxNameChars, false, kName);
  heartbeat.device = reader.text("device", kMaxNameChars, false, kName);
}

// Gallery versions change rarely and runners poll every few seconds: one read
// per second serves every heartbeat in between.
class GalleryVersionCache {
 public:
  long long get(Database& db, Instant now) {
    const auto now_ms = to_epoch_ms(now);
    if (now_ms - fetched_at_ms_.load(std::memory_order_acquire) < 1000) return version_.load(std::memory_order_relaxed);
    const long long version = gallery_version(db);
    version_.store(version, std::memory_order_relaxed);
    fetched_at_ms_.store(now_ms, std::memory_order_release);
    return version;
  }

 private:
  std::atomic<long long> version_{0};
  std::atomic<std::int64_t> fetched_at_ms_{std::numeric_limits<std::int64_t>::min() / 2};
};

// The 404 message when the camera or the profile does not exist, else empty.
std::string missing_pair_member(Database& db, const Heartbeat& heartbeat) {
  std::string message;
  if (!CameraStore(db).find(heartbeat.camera_id)) {
    message.append("camera ").append(std::to_string(heartbeat.camera_id)).append(" does not exist");
  } else if (!ProfileStore(db).find(heartbeat.profile_id)) {
    message.append("profile ").append(std::to_string(heartbeat.profile_id)).append(" does not exist");
  }
  return message;
}

// What storing one heartbeat did.
struct Applied {
  bool current = false;   // it came from the pair's current runner, whose row it updated
  bool recorded = false;  // it also became a RunnerHeartbeat row
};

Applied store_heartbeat(Database& db, HeartbeatGate& gate, const Heartbeat& heartbeat, Instant now) {
  Applied applied;
  applied.current = ProcessStore(db).apply_heartbeat(heartbeat, now);
  // Only the current runner's telemetry is kept: an orphan must not move the gate.
  applied.recorded =
      applied.current && gate.admit(heartbeat.camera_id, heartbeat.profile_id, heartbeat.last_error, now);
  if (applied.recorded) HeartbeatStore(db).insert(heartbeat, now);
  return applied;
}

// Group commit for SQLite, which has one writer at a time and whose waiting
// writers sleep in a busy handler: heartbeats queue here, and whichever thread
// holds the writer role applies every queued one in a single transaction, so
// one commit serves many heartbeats and no thread sleeps on the lock.
class SqliteGroupCommit {
 public:
  explicit SqliteGroupCommit(std::string database_url) : database_url_(std::move(database_url)) {}

  Applied apply(HeartbeatGate& gate, const Heartbeat& heartbeat, Instant now) {
    Pending pending(heartbeat, now);
    {
      std::lock_guard lock(queue_mutex_);
      queue_.push_back(&pending);
    }
    std::lock_guard writer(writer_mutex_);
    std::vector<Pending*> batch;
    {
      std::lock_guard lock(queue_mutex_);
      if (!pending.done) batch.swap(queue_);  // else the previous writer did it
    }
    if (!batch.empty()) write(gate, batch);
    if (pending.error) std::rethrow_exception(pending.error);
    return pending.applied;
  }

 private:
  struct Pending {
    Pending(const Heartbeat& heartbeat, Instant now) : heartbeat(&heartbeat), now(now) {}
    const Heartbeat* heartbeat;
    Instant now;
    Applied applied;
    std::exception_ptr error;
    bool done = false;
  };

  void write(HeartbeatGate& gate, const std::vector<Pending*>& batch) {
    std::vector<Applied> results(batch.size());
    std::exception_ptr error;
    try {
      if (!writer_db_) writer_db_ = Database::open(database_url_);
      Transaction transaction(*writer_db_);
      for (std::size_t i = 0; i < batch.size(); ++i)
        results[i] = store_heartbeat(*writer_db_, gate, *batch[i]->heartbeat, batch[i]->now);
      transaction.commit();
    } catch (...) {
      error = std::current_exception();  // the whole batch was rolled back
    }
    std::lock_guard lock(queue_mutex_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i]->applied = results[i];
      batch[i]->error = error;
      batch[i]->done = true;
    }
  }

  // One connection writes every batch, whichever thread runs it: its page
  // cache stays valid between batches instead of being re-read by each of the
  // threads' connections after another one wrote.
  const std::string database_url_;
  std::unique_ptr<Database> writer_db_;  // guarded by writer_mutex_
  std::mutex writer_mutex_;              // held by the thread writing a batch
  std::mutex queue_mutex_;               // guards queue_ and every Pending
  std::vector<Pending*> queue_;
};

void send_accepted(httplib::Response& response, long long gallery_version, bool desired) {
  char buffer[96];
  constexpr std::string_view kHead = R"({"ok":true,"gallery_version":)";
  char* end = std::copy(kHead.begin(), kHead.end(), buffer);
  end = std::to_chars(end, buffer + sizeof buffer, gallery_version).ptr;
  const std::string_view tail = desired ? R"(,"desired":true})" : R"(,"desired":false})";
  end = std::copy(tail.begin(), tail.end(), end);
  response.status = 200;
  response.set_content(buffer, static_cast<std::size_t>(end - buffer), "application/json");
}

class HeartbeatEndpoint {
 public:
  explicit HeartbeatEndpoint(WebContext& context)
      : context_(context), key_(context.settings().heartbeat_key), group_commit_(context.settings().database_url) {}

  void operator()(const httplib::Request& request, httplib::Response& response) {
    context_.metrics().observe_heartbeat(handle(request, response));
  }

 private:
  // Answers the request and returns the outcome label for the metrics.
  std::string_view handle(const httplib::Request& request, httplib::Response& response) {
    if (!authorize_runner(request, response, key_)) return "forbidden";
    if (body_too_large(request, kMaxHeartbeatBytes)) {
      send_error(response, 413, "body: must be at most 65536 bytes");
      return "too_large";
    }
    if (!is_json_content_type(request)) {
      send_error(response, 415, "Content-Type: must be application/json");
      return "bad_request";
    }
    auto parsed = parse_heartbeat(request.body);
    if (auto* rejection = std::get_if<HeartbeatRejection>(&parsed)) {
      send_error(response, rejection->status, rejection->error);
      return rejection->status == 403 ? "forbidden" : "bad_request";
    }
    return store(std::get<Heartbeat>(parsed), response);
  }

  std::string_view store(const Heartbeat& heartbeat, httplib::Response& response) {
    try {
      Database& db = context_.db();
      const Instant now = now_instant();
      HeartbeatGate& gate = context_.heartbeat_gate();
      const Applied applied = db.backend() == Backend::kSqlite ? group_commit_.apply(gate, heartbeat, now)
                                                               : store_heartbeat(db, gate, heartbeat, now);
      if (!applied.current) {
        // Not the pair's current runner: rare, so the existence reads wait until here.
        if (auto missing = missing_pair_member(db, heartbeat); !missing.empty()) {
          send_error(response, 404, missing);
          return "unknown_pair";
        }
        send_accepted(response, gallery_.get(db, now), false);
        return "not_current";
      }
      send_accepted(response, gallery_.get(db, now), true);
      return applied.recorded ? "stored" : "updated";
    } catch (const StoreError&) {
      send_error(response, 503, "database unavailable, retry later");
      return "unavailable";
    } catch (const soci::soci_error&) {
      send_error(response, 503, "database unavailable, retry later");
      return "unavailable";
    }
  }

  WebContext& context_;
  const RunnerKey key_;
  GalleryVersionCache gallery_;
  SqliteGroupCommit group_commit_;
};

}  // namespace

std::variant<Heartbeat, HeartbeatRejection> parse_heartbeat(std::string_view body) {
  const RawJson json = RawJson::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return HeartbeatRejection{400, "body: must be a JSON object"};
  if (json.contains("key") || json.contains("hb_key")) return HeartbeatRejection{403, kKeyPlacementError};
  FieldReader reader(json);
  Heartbeat heartbeat;
  read_fields(reader, heartbeat);
  if (!reader.ok()) return HeartbeatRejection{400, reader.error()};
  heartbeat.raw_json = serialise(heartbeat);
  return heartbeat;
}

bool HeartbeatGate::admit(Id camera_id, Id profile_id, const std::optional<std::string>& last_error, Instant now) {
  const std::string_view error = last_error ? std::string_view(*last_error) : std::string_view();
  std::lock_guard lock(mutex_);
  auto [it, first] = last_.try_emplace({camera_id, profile_id});
  Last& last = it->second;
  // Concurrent requests reach the gate slightly out of order, so a heartbeat a
  // little older than the last record is within the period; a clock that went
  // back a whole period or more records rather than staying silent.
  const auto elapsed = now - last.recorded_at;
  if (!first && elapsed < period_ && elapsed > -period_ && last.last_error == error) return false;
  last.recorded_at = now;
  last.last_error.assign(error);
  return true;
}

void register_heartbeat_routes(httplib::Server& server, WebContext& context) {
  static constexpr char kPath[] = "/api/runner/heartbeat/";
  auto endpoint = std::make_shared<HeartbeatEndpoint>(context);
  server.Post(kPath, [endpoint](const httplib::Request& request, httplib::Response& response) {
    (*endpoint)(request, response);
  });
  register_method_not_allowed(server, kPath, "POST");
}

}  // namespace bisk

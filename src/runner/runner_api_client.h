// The runner's side of the runner API (SPEC §6): heartbeats, the gallery and
// sightings, all keyed with X-BISK-KEY. A runner needs no database: this is
// everything it says to the server. Every call is bounded by short timeouts
// and reports failures as text; none throws for a network problem.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/time.h"

namespace httplib {
class Client;
}

namespace bisk {

struct HeartbeatReply {
  int status = 0;  // HTTP status; 0 when the server could not be reached
  std::optional<long long> gallery_version;
  std::optional<bool> desired;
  std::string error;  // why it failed, for the runner's log and last_error
  bool ok() const { return status == 200; }
};

struct GalleryStudent {
  long long student_id = 0;
  std::string code;
  std::vector<std::vector<float>> embeddings;  // one per face template
};

struct Gallery {
  long long version = 0;
  std::string model;  // the embedding model of every template (kFaceModelId on the server)
  std::vector<GalleryStudent> students;
};

struct SightingReport {
  long long camera_id = 0;
  long long profile_id = 0;
  long long student_id = 0;
  double score = 0;
  Instant ts;
  std::vector<unsigned char> crop_jpeg;
};

class RunnerApiClient {
 public:
  // The runner API lives on the host of the heartbeat URL
  // ("http://host:port/api/runner/heartbeat/" -> "http://host:port").
  RunnerApiClient(const std::string& heartbeat_url, std::string key,
                  std::chrono::milliseconds timeout = std::chrono::seconds(3));
  ~RunnerApiClient();

  HeartbeatReply heartbeat(const std::string& json_body);
  // The gallery, or why it could not be fetched.
  std::variant<Gallery, std::string> fetch_gallery();
  // nullopt when the server stored it; else why not (status and error).
  std::optional<std::string> post_sighting(const SightingReport& sighting);

 private:
  std::string heartbeat_path_;
  std::string key_;
  // One keep-alive connection; calls come from the heartbeat and the
  // recognition threads.
  std::mutex mutex_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace bisk

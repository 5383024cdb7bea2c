#include "runner/runner_api_client.h"

#include <sodium.h>

#include <cstring>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/url.h"

namespace bisk {
namespace {

constexpr char kGalleryPath[] = "/api/runner/gallery";
constexpr char kEventsPath[] = "/api/runner/events";

std::string base64(const std::vector<unsigned char>& bytes) {
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  text.pop_back();  // the terminating NUL
  return text;
}

std::optional<std::vector<float>> floats_from_base64(const std::string& text) {
  std::vector<unsigned char> bytes(text.size());
  std::size_t size = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &size, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      size % sizeof(float) != 0) {
    return std::nullopt;
  }
  std::vector<float> floats(size / sizeof(float));
  std::memcpy(floats.data(), bytes.data(), size);
  return floats;
}

// "status 503: database unavailable, retry later" from an error answer.
std::string describe_failure(const httplib::Result& result) {
  if (!result) return "cannot reach the server: " + httplib::to_string(result.error());
  std::string error = "status " + std::to_string(result->status);
  const auto body = nlohmann::json::parse(result->body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    error += ": " + body["error"].get<std::string>();
  }
  return error;
}

std::variant<Gallery, std::string> parse_gallery(const std::string& text) {
  const auto body = nlohmann::json::parse(text, nullptr, false);
  if (!body.is_object() || !body.contains("version") || !body.contains("students")) {
    return std::string("the gallery answer is not the expected JSON");
  }
  Gallery gallery;
  try {
    gallery.version = body.at("version").get<long long>();
    gallery.model = body.value("model", std::string());
    for (const auto& student : body.at("students")) {
      GalleryStudent entry;
      entry.student_id = student.at("student_id").get<long long>();
      entry.code = student.value("code", std::string());
      for (const auto& face : student.at("templates")) {
        auto embedding = floats_from_base64(face.at("embedding").get<std::string>());
        if (!embedding) return std::string("a gallery embedding is not base64 of 32-bit floats");
        entry.embeddings.push_back(std::move(*embedding));
      }
      gallery.students.push_back(std::move(entry));
    }
  } catch (const nlohmann::json::exception& error) {
    return std::string("the gallery answer is malformed: ") + error.what();
  }
  return gallery;
}

}  // namespace

RunnerApiClient::RunnerApiClient(const std::string& heartbeat_url, std::string key, std::chrono::milliseconds timeout)
    : key_(std::move(key)) {
  const auto parts = split_url(heartbeat_url);
  if (!parts) throw std::invalid_argument("the heartbeat URL must look like http://host:port/api/runner/heartbeat/");
  heartbeat_path_ = parts->second;
  client_ = std::make_unique<httplib::Client>(parts->first);
  client_->set_connection_timeout(timeout);
  client_->set_read_timeout(timeout);
  client_->set_write_timeout(timeout);
  client_->set_keep_alive(true);
  // The request's headers and body leave in separate writes: with Nagle's
  // algorithm the body waited for the server's delayed ACK, 40 ms per heartbeat.
  client_->set_tcp_nodelay(true);
  client_->set_default_headers({{"X-BISK-KEY", key_}});
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

RunnerApiClient::~RunnerApiClient() = default;

HeartbeatReply RunnerApiClient::heartbeat(const std::string& json_body) {
  std::lock_guard lock(mutex_);
  const auto result = client_->Post(heartbeat_path_, json_body, "application/json");
  HeartbeatReply reply;
  if (!result || result->status != 200) {
    reply.status = result ? result->status : 0;
    reply.error = describe_failure(result);
    return reply;
  }
  reply.status = 200;
  const auto body = nlohmann::json::parse(result->body, nullptr, false);
  if (body.is_object()) {
    if (body.contains("gallery_version") && body["gallery_version"].is_number_integer())
      reply.gallery_version = body["gallery_version"].get<long long>();
    if (body.contains("desired") && body["desired"].is_boolean()) reply.desired = body["desired"].get<bool>();
  }
  return reply;
}

std::variant<Gallery, std::string> RunnerApiClient::fetch_gallery() {
  std::lock_guard lock(mutex_);
  const auto result = client_->Get(kGalleryPath);
  if (!result || result->status != 200) return "fetching the gallery failed: " + describe_failure(result);
  return parse_gallery(result->body);
}

std::optional<std::string> RunnerApiClient::post_sighting(const SightingReport& sighting) {
  const nlohmann::json body = {{"camera_id", sighting.camera_id},   {"profile_id", sighting.profile_id},
                               {"student_id", sighting.student_id}, {"score", sighting.score},
                               {"ts", format_instant(sighting.ts)}, {"crop_jpeg", base64(sighting.crop_jpeg)}};
  std::lock_guard lock(mutex_);
  const auto result = client_->Post(kEventsPath, body.dump(), "application/json");
  if (result && (result->status == 200 || result->status == 201)) return std::nullopt;
  return "posting a sighting failed: " + describe_failure(result);
}

}  // namespace bisk

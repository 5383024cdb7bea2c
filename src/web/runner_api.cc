#include "web/runner_api.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <variant>

#include <soci/soci.h>
#include <nlohmann/json.hpp>

#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "store/store_error.h"
#include "web/http_util.h"
#include "web/routes.h"

namespace bisk {
namespace {

static_assert(std::endian::native == std::endian::little, "embeddings are sent as little-endian float32");

using RawJson = nlohmann::json;

std::string base64(const void* data, std::size_t size) {
  std::string text(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), static_cast<const unsigned char*>(data), size,
                    sodium_base64_VARIANT_ORIGINAL);
  text.pop_back();  // the terminating NUL
  return text;
}

std::optional<std::string> unbase64(std::string_view text) {
  std::string bytes(text.size() / 4 * 3 + 3, '\0');
  std::size_t size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(), text.size(), nullptr,
                        &size, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  bytes.resize(size);
  return bytes;
}

std::string random_hex(std::size_t bytes) {
  unsigned char random[16];
  bytes = std::min(bytes, sizeof random);
  randombytes_buf(random, bytes);
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), random, bytes);
  hex.pop_back();
  return hex;
}

// ---- GET /api/runner/gallery ----

Json gallery_json(Database& db) {
  long long version = 0;
  Json students = Json::array();
  for (const GalleryEntry& entry : FaceTemplateStore(db).gallery(version)) {
    Json templates = Json::array();
    for (const FaceTemplate& face : entry.templates) {
      if (face.model_id != kFaceModelId) continue;  // another model's vectors are not comparable
      templates.push_back({{"id", face.id},
                           {"embedding", base64(face.embedding.data(), face.embedding.size() * sizeof(float))},
                           {"model_id", face.model_id}});
    }
    if (templates.empty()) continue;
    students.push_back({{"student_id", entry.student_id},
                        {"code", entry.code},
                        {"first_name", entry.first_name},
                        {"last_name", entry.last_name},
                        {"templates", std::move(templates)}});
  }
  return {{"ok", true}, {"version", version}, {"model", kFaceModelId}, {"students", std::move(students)}};
}

// ---- POST /api/runner/events ----

struct Sighting {
  Id camera_id = 0;
  Id profile_id = 0;
  Id student_id = 0;
  double score = 0;
  Instant ts;
  std::string crop_jpeg;  // decoded
};

struct Refusal {
  int status = 400;
  std::string error;
};

std::string field_error(const char* name, std::string_view requirement) {
  std::string error(name);
  error.append(": must be ").append(requirement);
  return error;
}

// "camera 12 does not exist"
std::string about(std::string_view kind, Id id, std::string_view predicate) {
  std::string message(kind);
  message.append(" ").append(std::to_string(id)).append(" ").append(predicate);
  return message;
}

// The parser keeps every non-negative integer unsigned: negatives, floats and
// zero are refused alike.
std::optional<Id> read_id(const RawJson& body, const char* name, std::optional<Refusal>& refusal) {
  const auto it = body.find(name);
  if (it != body.end() && it->is_number_unsigned()) {
    const auto id = it->get<std::uint64_t>();
    if (id >= 1 && id <= static_cast<std::uint64_t>(std::numeric_limits<Id>::max())) return static_cast<Id>(id);
  }
  if (!refusal) refusal = Refusal{400, field_error(name, "a positive integer")};
  return std::nullopt;
}

std::variant<Sighting, Refusal> parse_sighting(const RawJson& body, Instant now) {
  if (!body.is_object()) return Refusal{400, "body: must be a JSON object"};
  if (body.contains("key") || body.contains("hb_key")) return Refusal{403, kKeyPlacementError};
  std::optional<Refusal> refusal;
  Sighting sighting;
  sighting.camera_id = read_id(body, "camera_id", refusal).value_or(0);
  sighting.profile_id = read_id(body, "profile_id", refusal).value_or(0);
  sighting.student_id = read_id(body, "student_id", refusal).value_or(0);
  if (refusal) return *refusal;
  const auto score = body.find("score");
  if (score == body.end() || !score->is_number() || !(score->get<double>() >= 0 && score->get<double>() <= 1))
    return Refusal{400, field_error("score", "a number from 0 to 1")};
  sighting.score = score->get<double>();
  sighting.ts = now;
  if (const auto ts = body.find("ts"); ts != body.end() && !ts->is_null()) {
    const auto instant = ts->is_string() ? parse_instant(ts->get_ref<const std::string&>()) : std::nullopt;
    if (!instant) return Refusal{400, field_error("ts", "an ISO-8601 instant with an offset")};
    sighting.ts = *instant;
  }
  const auto crop = body.find("crop_jpeg");
  constexpr std::size_t kMaxCropBase64 = (kMaxCropBytes + 2) / 3 * 4;
  std::optional<std::string> jpeg;
  if (crop != body.end() && crop->is_string() && crop->get_ref<const std::string&>().size() <= kMaxCropBase64)
    jpeg = unbase64(crop->get_ref<const std::string&>());
  if (!jpeg || jpeg->size() > kMaxCropBytes || jpeg->size() < 3 || std::memcmp(jpeg->data(), "\xFF\xD8\xFF", 3) != 0)
    return Refusal{400, field_error("crop_jpeg", "the base64 of a JPEG image of at most 2 MiB")};
  sighting.crop_jpeg = std::move(*jpeg);
  return sighting;
}

// 404/422 for a sighting that refers to what does not exist or may not be seen.
std::optional<Refusal> check_references(Database& db, const Sighting& sighting, std::optional<Camera>& camera) {
  camera = CameraStore(db).find(sighting.camera_id);
  if (!camera) return Refusal{404, about("camera", sighting.camera_id, "does not exist")};
  if (!ProfileStore(db).find(sighting.profile_id))
    return Refusal{404, about("profile", sighting.profile_id, "does not exist")};
  const auto student = StudentStore(db).find(sighting.student_id);
  if (!student) return Refusal{404, about("student", sighting.student_id, "does not exist")};
  if (!student->is_active) return Refusal{422, about("student", sighting.student_id, "is not active")};
  return std::nullopt;
}

// The school-day occurrences of enabled templates that cover `ts`; for a camera
// linked to period templates, only those templates' occurrences.
std::vector<Id> covering_occurrences(Database& db, const Camera& camera, Instant ts) {
  std::set<Id> enabled;
  for (const PeriodTemplate& period : PeriodTemplateStore(db).list())
    if (period.is_enabled) enabled.insert(period.id);
  const std::set<Id> linked(camera.period_template_ids.begin(), camera.period_template_ids.end());
  std::vector<Id> ids;
  for (const PeriodOccurrence& occurrence :
       OccurrenceStore(db).list_overlapping(ts, ts + std::chrono::milliseconds(1))) {
    if (!occurrence.is_school_day || !enabled.contains(occurrence.template_id)) continue;
    if (!linked.empty() && !linked.contains(occurrence.template_id)) continue;
    ids.push_back(occurrence.id);
  }
  return ids;
}

// Writes the crop under <media>/attendance_crops/YYYY/MM/DD/ (local date) and
// returns its path relative to the media directory. The bytes go to a private
// temporary file first, then link() gives them their final name, which fails
// rather than overwrite: a half-written or replaced crop is never visible.
std::string save_crop(const Settings& settings, const Sighting& sighting) {
  std::string day = format_date(to_local(sighting.ts, settings.time_zone).date);
  std::replace(day.begin(), day.end(), '-', '/');
  std::string relative_dir = "attendance_crops/";
  relative_dir.append(day);
  const std::filesystem::path dir = std::filesystem::path(settings.media_dir) / relative_dir;
  std::filesystem::create_directories(dir);
  const std::string temp = (dir / (".tmp-" + random_hex(8))).string();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create a crop file in " + dir.string());
  const bool written = ::write(fd, sighting.crop_jpeg.data(), sighting.crop_jpeg.size()) ==
                       static_cast<ssize_t>(sighting.crop_jpeg.size());
  ::close(fd);
  for (int attempt = 0; written && attempt < 4; ++attempt) {
    std::string name = std::to_string(to_epoch_ms(sighting.ts));
    name.append("-c").append(std::to_string(sighting.camera_id));
    name.append("-s").append(std::to_string(sighting.student_id));
    name.append("-").append(random_hex(6)).append(".jpg");
    if (::link(temp.c_str(), (dir / name).c_str()) == 0) {
      ::unlink(temp.c_str());
      return relative_dir + "/" + name;
    }
    if (errno != EEXIST) break;
  }
  ::unlink(temp.c_str());
  throw std::runtime_error("cannot write a crop file in " + dir.string());
}

Json ids_json(const std::vector<Id>& ids) { return Json(ids); }

void record_event(WebContext& context, const Sighting& sighting, httplib::Response& response) {
  Database& db = context.db();
  std::optional<Camera> camera;
  if (auto refusal = check_references(db, sighting, camera)) {
    send_error(response, refusal->status, refusal->error);
    return;
  }
  const std::vector<Id> occurrence_ids = covering_occurrences(db, *camera, sighting.ts);
  AttendanceEvent event;
  event.student_id = sighting.student_id;
  event.camera_id = sighting.camera_id;
  event.profile_id = sighting.profile_id;
  event.ts_at = sighting.ts;
  event.score = sighting.score;
  event.crop_path = save_crop(context.settings(), sighting);
  try {
    const std::vector<Id> event_ids = AttendanceStore(db).record_sighting(event, occurrence_ids);
    send_json(response, 201,
              {{"ok", true}, {"event_ids", ids_json(event_ids)}, {"occurrence_ids", ids_json(occurrence_ids)}});
  } catch (...) {
    std::filesystem::remove(std::filesystem::path(context.settings().media_dir) / event.crop_path);
    throw;
  }
}

void handle_event(WebContext& context, const RunnerKey& key, const httplib::Request& request,
                  httplib::Response& response) {
  if (!authorize_runner(request, response, key)) return;
  if (body_too_large(request, kMaxEventBytes)) return send_error(response, 413, "body: must be at most 4 MiB");
  if (!is_json_content_type(request)) return send_error(response, 415, "Content-Type: must be application/json");
  const RawJson body = RawJson::parse(request.body, nullptr, /*allow_exceptions=*/false);
  auto parsed = parse_sighting(body, now_instant());
  if (auto* refusal = std::get_if<Refusal>(&parsed)) return send_error(response, refusal->status, refusal->error);
  try {
    record_event(context, std::get<Sighting>(parsed), response);
  } catch (const StoreError& error) {
    if (error.kind() == StoreError::Kind::kNotFound) return send_error(response, 404, error.what());
    if (error.kind() == StoreError::Kind::kInvalid) return send_error(response, 422, error.what());
    send_error(response, 503, "database unavailable, retry later");
  } catch (const soci::soci_error&) {
    send_error(response, 503, "database unavailable, retry later");
  } catch (const std::exception&) {
    send_error(response, 503, "cannot store the crop; retry later");
  }
}

void handle_gallery(WebContext& context, const RunnerKey& key, const httplib::Request& request,
                    httplib::Response& response) {
  if (!authorize_runner(request, response, key)) return;
  try {
    send_json(response, 200, gallery_json(context.db()));
  } catch (const StoreError&) {
    send_error(response, 503, "database unavailable, retry later");
  } catch (const soci::soci_error&) {
    send_error(response, 503, "database unavailable, retry later");
  }
}

}  // namespace

RunnerKey::RunnerKey(const std::optional<std::string>& key) : configured_(key && !key->empty()) {
  if (configured_) crypto_hash_sha256(digest_.data(), reinterpret_cast<const unsigned char*>(key->data()), key->size());
}

bool RunnerKey::matches(std::string_view presented) const {
  std::array<unsigned char, 32> digest;
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(presented.data()), presented.size());
  return configured_ && sodium_memcmp(digest.data(), digest_.data(), digest.size()) == 0;
}

bool authorize_runner(const httplib::Request& request, httplib::Response& response, const RunnerKey& key) {
  if (request.has_param("key") || request.has_param("hb_key")) {
    send_error(response, 403, kKeyPlacementError);
    return false;
  }
  if (!key.matches(request.get_header_value("X-BISK-KEY"))) {
    send_error(response, 403, "bad key");
    return false;
  }
  return true;
}

bool body_too_large(const httplib::Request& request, std::size_t limit) {
  if (request.body.size() > limit) return true;
  const auto& length = request.get_header_value("Content-Length");
  std::size_t declared = 0;
  const auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), declared);
  return error == std::errc::result_out_of_range || (error == std::errc() && declared > limit);
}

void register_method_not_allowed(httplib::Server& server, const std::string& path, std::string_view allowed) {
  std::string message = "method not allowed; use ";
  message.append(allowed);
  auto refuse = [allow = std::string(allowed), message](const httplib::Request&, httplib::Response& response) {
    response.set_header("Allow", allow);
    send_error(response, 405, message);
  };
  if (allowed != "GET") server.Get(path, refuse);  // HEAD too
  if (allowed != "POST") server.Post(path, refuse);
  server.Put(path, refuse);
  server.Patch(path, refuse);
  server.Delete(path, refuse);
  server.Options(path, refuse);
}

void register_runner_routes(httplib::Server& server, WebContext& context) {
  auto key = std::make_shared<const RunnerKey>(context.settings().heartbeat_key);
  server.Get("/api/runner/gallery", [&context, key](const httplib::Request& request, httplib::Response& response) {
    handle_gallery(context, *key, request, response);
  });
  register_method_not_allowed(server, "/api/runner/gallery", "GET");
  server.Post("/api/runner/events", [&context, key](const httplib::Request& request, httplib::Response& response) {
    handle_event(context, *key, request, response);
  });
  register_method_not_allowed(server, "/api/runner/events", "POST");
}

}  // namespace bisk

// The entities an operator edits: cameras (with pause/unpause/test and their
// resource override), profiles, policies, period templates, occurrences,
// students and the global resource settings.

#include <chrono>

#include "common/time.h"
#include "runner/image_codec.h"
#include "store/catalog_stores.h"
#include "store/occurrence_roller.h"
#include "web/enrollment.h"
#include "web/entity_patch.h"
#include "web/http_util.h"
#include "web/operator_api.h"
#include "web/operator_stream_probe.h"

namespace bisk {
namespace {

constexpr long long kMaxPauseMinutes = 60LL * 24 * 366;  // as `bisk camera pause`
constexpr int kMaxRollDays = 366;
constexpr int kMaxListedDays = 3660;
constexpr std::chrono::seconds kStreamTestTimeout(8);  // SPEC §6

const Json kOk = Json{{"ok", true}};

// The JSON form of a record; only cameras format instants.
Json record_json(const Camera& camera, TimeZone zone) { return to_json(camera, zone); }
Json record_json(const PeriodOccurrence& occurrence, TimeZone zone) { return to_json(occurrence, zone); }
template <typename Entity>
Json record_json(const Entity& entity, TimeZone) {
  return to_json(entity);
}

template <typename Entity>
Json items_json(const std::vector<Entity>& entities, TimeZone zone) {
  Json items = Json::array();
  for (const auto& entity : entities) items.push_back(record_json(entity, zone));
  return Json{{"items", items}};
}

template <typename Store>
auto require(Store& store, Id id, std::string_view noun) {
  auto entity = store.find(id);
  if (!entity) not_found(noun, id);
  return *entity;
}

// GET/POST `base`, GET/PATCH/DELETE `base`/{id} for an entity whose store has
// add/find/list/update/remove.
template <typename Entity, typename Store>
void register_crud(httplib::Server& server, WebContext& context, const std::string& base, std::string_view noun) {
  const std::string one = base + R"(/([^/]+))";
  server.Get(base, operator_handler(context, [&context](const auto&, auto& response, const auto&) {
               send_json(response, 200, items_json(Store(context.db()).list(), context.zone()));
             }));
  server.Post(base, operator_handler(context, [&context, noun](const auto& request, auto& response, const auto&) {
                Entity entity;
                apply_json(request_body(request), ApplyMode::kCreate, entity);
                Store store(context.db());
                const Id id = store.add(entity);
                send_json(response, 201, record_json(require(store, id, noun), context.zone()));
              }));
  server.Get(one, operator_handler(context, [&context, noun](const auto& request, auto& response, const auto&) {
               Store store(context.db());
               send_json(response, 200, record_json(require(store, path_id(request, noun), noun), context.zone()));
             }));
  server.Patch(one, operator_handler(context, [&context, noun](const auto& request, auto& response, const auto&) {
                 const Id id = path_id(request, noun);
                 const Json body = request_body(request);
                 Store store(context.db());
                 // One transaction: a concurrent PATCH cannot interleave between read and write.
                 Transaction transaction(context.db());
                 Entity entity = require(store, id, noun);
                 apply_json(body, ApplyMode::kUpdate, entity);
                 store.update(entity);
                 transaction.commit();
                 send_json(response, 200, record_json(require(store, id, noun), context.zone()));
               }));
  server.Delete(one, operator_handler(context, [&context, noun](const auto& request, auto& response, const auto&) {
                  const Id id = path_id(request, noun);
                  Store store(context.db());
                  require(store, id, noun);
                  store.remove(id);
                  send_json(response, 200, kOk);
                }));
}

void register_camera_actions(httplib::Server& server, WebContext& context) {
  server.Post(R"(/api/v1/cameras/([^/]+)/pause)",
              operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
                const Id id = path_id(request, "camera");
                PauseRequest pause;
                apply_json(request_body(request), ApplyMode::kUpdate, pause);
                if (pause.minutes && (*pause.minutes < 1 || *pause.minutes > kMaxPauseMinutes)) {
                  throw HttpError(422,
                                  std::string("minutes: must be between 1 and ") + std::to_string(kMaxPauseMinutes));
                }
                const Instant until = pause.until ? *pause.until : now_instant() + std::chrono::minutes(*pause.minutes);
                CameraStore store(context.db());
                require(store, id, "camera");
                store.set_pause_until(id, until);
                send_json(response, 200, record_json(require(store, id, "camera"), context.zone()));
              }));
  server.Post(R"(/api/v1/cameras/([^/]+)/unpause)",
              operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
                const Id id = path_id(request, "camera");
                CameraStore store(context.db());
                require(store, id, "camera");
                store.set_pause_until(id, std::nullopt);
                send_json(response, 200, record_json(require(store, id, "camera"), context.zone()));
              }));
  server.Post(
      R"(/api/v1/cameras/([^/]+)/test)",
      operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
        CameraStore store(context.db());
        const Camera camera = require(store, path_id(request, "camera"), "camera");
        send_json(response, 200,
                  probe_stream(context.settings().ffprobe_bin, camera.url, camera.rtsp_transport, kStreamTestTimeout));
      }));
}

// PUT replaces the whole settings object (absent fields become null), PATCH
// changes the given fields; `load` and `save` pick the global row or a camera's.
template <typename Load, typename Save>
void register_resource_writes(httplib::Server& server, WebContext& context, const std::string& pattern, Load load,
                              Save save) {
  const auto write = [&context, load, save](ApplyMode mode) {
    return operator_handler(context, [&context, load, save, mode](const auto& request, auto& response, const auto&) {
      const Json body = request_body(request);
      Transaction transaction(context.db());
      ResourceSettings settings = mode == ApplyMode::kCreate ? ResourceSettings{} : load(request);
      apply_json(body, mode, settings);
      save(request, settings);
      transaction.commit();
      send_json(response, 200, to_json(load(request)));
    });
  };
  server.Get(pattern, operator_handler(context, [load](const auto& request, auto& response, const auto&) {
               send_json(response, 200, to_json(load(request)));
             }));
  server.Put(pattern, write(ApplyMode::kCreate));
  server.Patch(pattern, write(ApplyMode::kUpdate));
}

// Settings never written read as all-null ("not decided at this layer").
void register_resource_routes(httplib::Server& server, WebContext& context) {
  register_resource_writes(
      server, context, "/api/v1/resources/global",
      [&context](const httplib::Request&) { return ResourceStore(context.db()).global().value_or(ResourceSettings{}); },
      [&context](const httplib::Request&, const ResourceSettings& settings) {
        ResourceStore(context.db()).put_global(settings);
      });
  const auto camera_id = [&context](const httplib::Request& request) {
    const Id id = path_id(request, "camera");
    if (!CameraStore(context.db()).find(id)) not_found("camera", id);
    return id;
  };
  const std::string pattern = R"(/api/v1/cameras/([^/]+)/resources)";
  register_resource_writes(
      server, context, pattern,
      [&context, camera_id](const httplib::Request& request) {
        const Id id = camera_id(request);
        ResourceSettings none;
        none.camera_id = id;
        return ResourceStore(context.db()).for_camera(id).value_or(none);
      },
      [&context, camera_id](const httplib::Request& request, const ResourceSettings& settings) {
        ResourceStore(context.db()).put_camera(camera_id(request), settings);
      });
  server.Delete(pattern,
                operator_handler(context, [&context, camera_id](const auto& request, auto& response, const auto&) {
                  ResourceStore(context.db()).remove_camera(camera_id(request));
                  send_json(response, 200, kOk);
                }));
}

// Occurrences are generated from the templates: listed, read, marked as
// holidays (PATCH is_school_day) and rolled forward on request.
void register_occurrence_routes(httplib::Server& server, WebContext& context) {
  server.Get("/api/v1/occurrences",
             operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               const auto date = query_date(request, "date");
               if (date && (request.has_param("from") || request.has_param("days"))) {
                 throw HttpError(400, "give either date or from/days, not both");
               }
               const LocalDate first =
                   date ? *date : query_date(request, "from").value_or(to_local(now_instant(), context.zone()).date);
               const auto days = date ? 1 : query_integer(request, "days", 1, kMaxListedDays).value_or(7);
               const auto occurrences = OccurrenceStore(context.db()).list_dated(first, add_days(first, days - 1));
               send_json(response, 200, items_json(occurrences, context.zone()));
             }));
  const std::string one = R"(/api/v1/occurrences/([^/]+))";
  server.Get(one, operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               OccurrenceStore store(context.db());
               send_json(response, 200,
                         record_json(require(store, path_id(request, "occurrence"), "occurrence"), context.zone()));
             }));
  server.Patch(one, operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
                 const Id id = path_id(request, "occurrence");
                 const Json body = request_body(request);
                 OccurrenceStore store(context.db());
                 PeriodOccurrence occurrence = require(store, id, "occurrence");
                 apply_json(body, ApplyMode::kUpdate, occurrence);
                 store.set_school_day(id, occurrence.is_school_day);
                 send_json(response, 200, record_json(require(store, id, "occurrence"), context.zone()));
               }));
  server.Post("/api/v1/occurrences/roll",
              operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
                RollRequest roll;
                apply_json(request_body(request, true), ApplyMode::kUpdate, roll);
                if (roll.days < 1 || roll.days > kMaxRollDays) {
                  throw HttpError(422, std::string("days: must be between 1 and ") + std::to_string(kMaxRollDays));
                }
                const Instant now = now_instant();
                const LocalDate first = roll.from.value_or(to_local(now, context.zone()).date);
                const auto applied = roll_occurrences(context.db(), context.zone(), now, first, roll.days);
                send_json(response, 200,
                          Json{{"ok", true},
                               {"from", format_date(first)},
                               {"to", format_date(add_days(first, roll.days - 1))},
                               {"inserted", applied.inserted},
                               {"updated", applied.updated},
                               {"deleted", applied.deleted}});
              }));
}

void register_student_photo_route(httplib::Server& server, WebContext& context) {
  server.Post(
      R"(/api/v1/students/([^/]+)/photos)",
      operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
        StudentStore store(context.db());
        const Student student = require(store, path_id(request, "student"), "student");
        const std::string type = request.get_header_value("Content-Type");
        if (type.rfind("image/jpeg", 0) != 0 && type.rfind("image/png", 0) != 0) {
          send_error(response, 415, "Content-Type: must be image/jpeg or image/png (the photo itself)");
          return;
        }
        const cv::Mat photo =
            decode_image(std::span(reinterpret_cast<const unsigned char*>(request.body.data()), request.body.size()));
        if (photo.empty()) {
          send_error(response, 400, "body: must be a JPEG or PNG image");
          return;
        }
        EnrollmentResult result;
        try {
          result = context.enroller().enroll(context.db(), student.id, photo, "upload");
        } catch (const std::runtime_error& error) {
          send_error(response, 503, std::string("face models unavailable: ") + error.what());
          return;
        }
        if (!result.template_id) {
          send_json(
              response, 422,
              Json{{"ok", false}, {"error", result.reason}, {"problem", result.problem}, {"face_px", result.face_px}});
          return;
        }
        send_json(response, 201,
                  Json{{"ok", true},
                       {"template_id", *result.template_id},
                       {"face_px", result.face_px},
                       {"sharpness", result.sharpness}});
      }));
}

}  // namespace

void register_operator_catalog_routes(httplib::Server& server, WebContext& context) {
  register_crud<Camera, CameraStore>(server, context, "/api/v1/cameras", "camera");
  register_camera_actions(server, context);
  register_resource_routes(server, context);
  register_crud<StreamProfile, ProfileStore>(server, context, "/api/v1/profiles", "profile");
  register_crud<SchedulePolicy, PolicyStore>(server, context, "/api/v1/policies", "policy");
  register_crud<PeriodTemplate, PeriodTemplateStore>(server, context, "/api/v1/period-templates", "period template");
  register_occurrence_routes(server, context);
  register_crud<Student, StudentStore>(server, context, "/api/v1/students", "student");
  register_student_photo_route(server, context);
}

}  // namespace bisk

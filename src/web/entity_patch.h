// Operator API request bodies → entities (SPEC §6). One field table per
// entity serves both POST (applied onto the entity's defaults) and PATCH
// (applied onto the stored record), so the two never disagree about a field.
//
// Types are strict: booleans are true/false, integers are integral JSON
// numbers, times "HH:MM", dates "YYYY-MM-DD", instants ISO-8601 with an
// offset. Unknown fields are refused (they are usually typos), as are the
// read-only fields of the JSON form (e.g. "id"). List fields (camera_ids,
// windows, exceptions, weekdays, period_template_ids) replace the stored list;
// the "id" of a window or exception is ignored, so a record read with GET can
// be sent back. Value rules (ranges, enums, unknown references) are left to
// domain/validation.h and the stores, which answer 422.
#pragma once

#include <optional>
#include <stdexcept>

#include "domain/entities.h"
#include "domain/entity_json.h"

namespace bisk {

// The body does not fit: not an object, an unknown, read-only or missing
// field, or a value of the wrong type. The message names the field, e.g.
// "fps: must be a number (got string)". Answered with 400.
class BodyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// kCreate also requires the fields an entity cannot do without (e.g. a
// camera's name and url); kUpdate takes any subset.
enum class ApplyMode { kCreate, kUpdate };

void apply_json(const Json& body, ApplyMode mode, Camera& camera);
void apply_json(const Json& body, ApplyMode mode, StreamProfile& profile);
void apply_json(const Json& body, ApplyMode mode, SchedulePolicy& policy);
void apply_json(const Json& body, ApplyMode mode, PeriodTemplate& period_template);
void apply_json(const Json& body, ApplyMode mode, Student& student);
// Every field may be null ("not decided at this layer").
void apply_json(const Json& body, ApplyMode mode, ResourceSettings& settings);
// Occurrences are generated; only is_school_day may change (to mark a holiday).
void apply_json(const Json& body, ApplyMode mode, PeriodOccurrence& occurrence);

// POST /api/v1/cameras/{id}/pause: {"minutes":N} or {"until":instant}.
struct PauseRequest {
  std::optional<long long> minutes;
  std::optional<Instant> until;
};
void apply_json(const Json& body, ApplyMode mode, PauseRequest& request);

// POST /api/v1/occurrences/roll: {"days":N, "from":"YYYY-MM-DD"}, both optional.
struct RollRequest {
  int days = 14;
  std::optional<LocalDate> from;
};
void apply_json(const Json& body, ApplyMode mode, RollRequest& request);

}  // namespace bisk

// The JSON form of the entities: the operator API's representation (SPEC §6),
// also printed by `bisk … --json`. Camera URLs are always masked; instants are
// ISO-8601 with the offset of `zone`.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/entities.h"

namespace bisk {

// Keys keep their insertion order, so records print in a readable order.
using Json = nlohmann::ordered_json;

// An optional value as itself or JSON null.
template <typename T>
Json nullable(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}
// An optional instant as ISO-8601 in `zone`, or JSON null.
Json nullable_instant(const std::optional<Instant>& instant, TimeZone zone);

// A member of a record as text for a table cell: strings as they are, "yes"
// or "no", null as "-", lists joined by `separator` (an object in a list —
// a policy window — as its members but the id, space-separated).
std::string display_text(const Json& value, std::string_view separator);

Json to_json(const Camera& camera, TimeZone zone);
Json to_json(const StreamProfile& profile);
Json to_json(const SchedulePolicy& policy);
Json to_json(const PeriodTemplate& period_template);
Json to_json(const PeriodOccurrence& occurrence, TimeZone zone);
Json to_json(const ResourceSettings& settings);
Json to_json(const Student& student);

}  // namespace bisk

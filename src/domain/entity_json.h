// The JSON form of the entities: the operator API's representation (SPEC §6),
// also printed by `bisk … --json`. Camera URLs are always masked; instants are
// ISO-8601 with the offset of `zone`.
#pragma once

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

Json to_json(const Camera& camera, TimeZone zone);
Json to_json(const StreamProfile& profile);
Json to_json(const SchedulePolicy& policy);
Json to_json(const PeriodTemplate& period_template);
Json to_json(const PeriodOccurrence& occurrence, TimeZone zone);
Json to_json(const ResourceSettings& settings);
Json to_json(const Student& student);

}  // namespace bisk

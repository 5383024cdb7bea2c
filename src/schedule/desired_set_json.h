// The JSON form of a desired set, shared by `bisk desired --json` and
// GET /api/v1/desired so the two can never drift apart (SPEC §6).
#pragma once

#include "domain/entity_json.h"
#include "schedule/desired_set.h"

namespace bisk {

// {"at":…, "desired":[{"camera_id","profile_id","policy_id"}],
//  "not_desired":[{"camera_id","reason","detail"}]}; `at` in `zone`.
Json desired_set_json(const DesiredSet& set, TimeZone zone);

}  // namespace bisk

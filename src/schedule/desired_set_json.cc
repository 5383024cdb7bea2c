#include "schedule/desired_set_json.h"

namespace bisk {

Json desired_set_json(const DesiredSet& set, TimeZone zone) {
  Json desired = Json::array();
  for (const auto& pair : set.desired) {
    desired.push_back({{"camera_id", pair.camera_id}, {"profile_id", pair.profile_id}, {"policy_id", pair.policy_id}});
  }
  Json not_desired = Json::array();
  for (const auto& item : set.not_desired) {
    not_desired.push_back(
        {{"camera_id", item.camera_id}, {"reason", reason_code(item.reason)}, {"detail", item.detail}});
  }
  return {{"at", format_instant(set.at, zone)}, {"desired", desired}, {"not_desired", not_desired}};
}

}  // namespace bisk

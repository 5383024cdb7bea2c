#include "schedule/desired_set.h"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "common/text.h"
#include "schedule/window_occurrence.h"

namespace bisk {
namespace {

// What one enabled policy's windows say at the instant, worked out once per call and
// shared by all of its cameras.
struct PolicyAtInstant {
  const SchedulePolicy* policy = nullptr;
  bool covers = false;           // some window covers the instant
  std::vector<Id> profile_ids;   // of covering windows that are on and whose profile is active
  std::string exception_detail;  // set when a covering window is off by exception
  std::string inactive_detail;   // set when a covering window's profile is inactive or missing
};

// What is known about one camera while the set is built.
struct CameraFacts {
  std::optional<NotDesiredReason> early_reason;  // inactive, other node or paused: decided alone
  std::string early_detail;
  bool periods_allow = true;  // no linked periods, or one has a school-day occurrence now
  bool in_enabled_policy = false;
  bool covered = false;  // some window of its enabled policies covers the instant
  bool offered = false;  // some covering window is on and has an active profile
  bool desired = false;
  const std::string* exception_detail = nullptr;  // from the lowest-id policy with one
  const std::string* inactive_detail = nullptr;
};

bool in_scope(const Camera& camera, const std::optional<NodeScope>& scope) {
  if (!scope) return true;
  if (camera.node && !camera.node->empty()) return *camera.node == scope->node;
  return scope->primary;
}

std::string other_node_detail(const Camera& camera, const NodeScope& scope) {
  if (camera.node && !camera.node->empty()) return "assigned to node " + quoted(*camera.node);
  return "unassigned, and only the primary enforcer runs unassigned cameras (this is node " + quoted(scope.node) + ")";
}

class DesiredSetBuilder {
 public:
  DesiredSetBuilder(const ScheduleSnapshot& snapshot, Instant at, TimeZone zone, const std::optional<NodeScope>& scope)
      : snapshot_(snapshot),
        at_(at),
        zone_(zone),
        scope_(scope),
        today_(to_local(at, zone).date),
        yesterday_(add_days(today_, -1)),
        today_weekday_(weekday_of(today_)),
        yesterday_weekday_(weekday_of(yesterday_)),
        at_text_(format_instant(at, zone)) {}

  DesiredSet build() {
    index_profiles();
    index_covering_occurrences();
    index_cameras();
    apply_policies();
    return collect();
  }

 private:
  void index_profiles() {
    profiles_.reserve(snapshot_.profiles.size());
    for (const StreamProfile& profile : snapshot_.profiles) profiles_.emplace(profile.id, &profile);
  }

  // Only occurrences covering the instant matter, and only those of enabled templates.
  void index_covering_occurrences() {
    std::unordered_map<Id, const PeriodTemplate*> templates;
    for (const PeriodTemplate& period : snapshot_.templates) templates.emplace(period.id, &period);
    for (const PeriodOccurrence& occurrence : snapshot_.occurrences) {
      if (!(occurrence.start_at <= at_ && at_ < occurrence.end_at)) continue;
      const auto found = templates.find(occurrence.template_id);
      if (found == templates.end() || !found->second->is_enabled) continue;
      if (occurrence.is_school_day) {
        school_day_templates_.insert(occurrence.template_id);
      } else {
        holiday_details_.emplace(occurrence.template_id, "period " + quoted(found->second->name) + " on " +
                                                             format_date(occurrence.date) + " is a holiday");
      }
    }
  }

  void index_cameras() {
    const auto& cameras = snapshot_.cameras;
    camera_index_.reserve(cameras.size());
    facts_.resize(cameras.size());
    for (size_t i = 0; i < cameras.size(); ++i) {
      if (camera_index_.emplace(cameras[i].id, i).second) check_camera_alone(cameras[i], facts_[i]);
    }
  }

  // The rules that need no policy: activity, node, pause and period gating.
  void check_camera_alone(const Camera& camera, CameraFacts& facts) const {
    if (!camera.is_active) {
      facts.early_reason = NotDesiredReason::kCameraInactive;
      facts.early_detail = "camera is inactive";
    } else if (!in_scope(camera, scope_)) {
      facts.early_reason = NotDesiredReason::kOtherNode;
      facts.early_detail = other_node_detail(camera, *scope_);
    } else if (camera.pause_until && *camera.pause_until > at_) {  // an expired pause needs no write
      facts.early_reason = NotDesiredReason::kPaused;
      facts.early_detail = "paused until " + format_instant(*camera.pause_until, zone_);
    }
    facts.periods_allow = camera.period_template_ids.empty() ||
                          std::any_of(camera.period_template_ids.begin(), camera.period_template_ids.end(),
                                      [&](Id template_id) { return school_day_templates_.contains(template_id); });
  }

  // Only windows starting yesterday or today (local) can cover the instant; the
  // weekday tells which of the two dates a window would start on.
  std::optional<LocalDate> start_date_of(const ScheduleWindow& window) const {
    if (window.day_of_week == today_weekday_) return today_;
    if (window.day_of_week == yesterday_weekday_) return yesterday_;
    return std::nullopt;
  }

  PolicyAtInstant evaluate(const SchedulePolicy& policy) const {
    PolicyAtInstant result;
    result.policy = &policy;
    for (const ScheduleWindow& window : policy.windows) {
      const std::optional<LocalDate> start_date = start_date_of(window);
      if (!start_date || !window_occurrence(window, *start_date, zone_).contains(at_)) continue;
      result.covers = true;
      if (is_off_by_exception(policy, *start_date)) {
        if (result.exception_detail.empty()) {
          result.exception_detail =
              "policy " + quoted(policy.name) + " is off on " + format_date(*start_date) + " (exception)";
        }
        continue;
      }
      const auto profile = profiles_.find(window.profile_id);
      if (profile == profiles_.end() || !profile->second->is_active) {
        if (result.inactive_detail.empty()) {
          result.inactive_detail = profile == profiles_.end()
                                       ? "profile " + std::to_string(window.profile_id) + " does not exist"
                                       : "profile " + quoted(profile->second->name) + " is inactive";
        }
        continue;
      }
      result.profile_ids.push_back(window.profile_id);
    }
    return result;
  }

  void apply_policies() {
    std::vector<const SchedulePolicy*> enabled;
    for (const SchedulePolicy& policy : snapshot_.policies) {
      if (policy.is_enabled) enabled.push_back(&policy);
    }
    // Lowest id first, so details name the lowest-id policy that explains them.
    std::sort(enabled.begin(), enabled.end(), [](auto* a, auto* b) { return a->id < b->id; });
    policy_results_.reserve(enabled.size());  // CameraFacts point into it
    for (const SchedulePolicy* policy : enabled) {
      policy_results_.push_back(evaluate(*policy));
      apply_to_cameras(policy_results_.back());
    }
  }

  void apply_to_cameras(const PolicyAtInstant& result) {
    for (Id camera_id : result.policy->camera_ids) {
      const auto found = camera_index_.find(camera_id);
      if (found == camera_index_.end()) continue;
      CameraFacts& facts = facts_[found->second];
      facts.in_enabled_policy = true;
      if (!result.covers || facts.early_reason) continue;
      facts.covered = true;
      if (!facts.exception_detail && !result.exception_detail.empty())
        facts.exception_detail = &result.exception_detail;
      if (!facts.inactive_detail && !result.inactive_detail.empty()) facts.inactive_detail = &result.inactive_detail;
      if (result.profile_ids.empty()) continue;
      facts.offered = true;
      if (!facts.periods_allow) continue;
      facts.desired = true;
      for (Id profile_id : result.profile_ids) pairs_.push_back({camera_id, profile_id, result.policy->id});
    }
  }

  DesiredSet collect() {
    DesiredSet set;
    set.at = at_;
    // Sorting by policy id last and keeping the first of each pair keeps the lowest policy id.
    std::sort(pairs_.begin(), pairs_.end(), [](const DesiredPair& a, const DesiredPair& b) {
      return std::tie(a.camera_id, a.profile_id, a.policy_id) < std::tie(b.camera_id, b.profile_id, b.policy_id);
    });
    std::unique_copy(pairs_.begin(), pairs_.end(), std::back_inserter(set.desired),
                     [](const DesiredPair& a, const DesiredPair& b) {
                       return a.camera_id == b.camera_id && a.profile_id == b.profile_id;
                     });
    std::vector<std::pair<Id, size_t>> by_id(camera_index_.begin(), camera_index_.end());
    std::sort(by_id.begin(), by_id.end());
    for (const auto& [camera_id, index] : by_id) {
      if (!facts_[index].desired) set.not_desired.push_back(explain_absence(snapshot_.cameras[index], facts_[index]));
    }
    return set;
  }

  // The first reason, in NotDesiredReason order, that applies to a camera with no pair.
  NotDesired explain_absence(const Camera& camera, const CameraFacts& facts) {
    if (facts.early_reason) return {camera.id, *facts.early_reason, facts.early_detail};
    if (!facts.in_enabled_policy) {
      return {camera.id, NotDesiredReason::kNoEnabledPolicy, "no enabled policy contains this camera"};
    }
    if (!facts.covered) {
      return {camera.id, NotDesiredReason::kOutsideWindows, "no window of its enabled policies covers " + at_text_};
    }
    // A window that is on with an active profile leaves only the periods to blame.
    if (!facts.offered && facts.exception_detail) {
      return {camera.id, NotDesiredReason::kPolicyException, *facts.exception_detail};
    }
    if (!facts.offered) return {camera.id, NotDesiredReason::kProfileInactive, *facts.inactive_detail};
    for (Id template_id : camera.period_template_ids) {
      const auto holiday = holiday_details_.find(template_id);
      if (holiday != holiday_details_.end()) return {camera.id, NotDesiredReason::kHoliday, holiday->second};
    }
    return {camera.id, NotDesiredReason::kNoActivePeriod,
            "no school-day occurrence of its linked periods covers " + at_text_};
  }

  const ScheduleSnapshot& snapshot_;
  const Instant at_;
  const TimeZone zone_;
  const std::optional<NodeScope>& scope_;
  const LocalDate today_;  // local dates: the only days whose windows can cover the instant
  const LocalDate yesterday_;
  const int today_weekday_;
  const int yesterday_weekday_;
  const std::string at_text_;  // formatted once: details must not convert time per camera
  std::unordered_map<Id, const StreamProfile*> profiles_;
  std::unordered_set<Id> school_day_templates_;
  std::unordered_map<Id, std::string> holiday_details_;
  std::unordered_map<Id, size_t> camera_index_;
  std::vector<CameraFacts> facts_;
  std::vector<PolicyAtInstant> policy_results_;
  std::vector<DesiredPair> pairs_;
};

}  // namespace

std::string_view reason_code(NotDesiredReason reason) {
  switch (reason) {
    case NotDesiredReason::kCameraInactive:
      return "camera_inactive";
    case NotDesiredReason::kOtherNode:
      return "other_node";
    case NotDesiredReason::kPaused:
      return "paused";
    case NotDesiredReason::kNoEnabledPolicy:
      return "no_enabled_policy";
    case NotDesiredReason::kOutsideWindows:
      return "outside_windows";
    case NotDesiredReason::kPolicyException:
      return "policy_exception";
    case NotDesiredReason::kProfileInactive:
      return "profile_inactive";
    case NotDesiredReason::kHoliday:
      return "holiday";
    case NotDesiredReason::kNoActivePeriod:
      return "no_active_period";
  }
  return "unknown";
}

DesiredSet compute_desired_set(const ScheduleSnapshot& snapshot, Instant at, TimeZone zone,
                               const std::optional<NodeScope>& scope) {
  return DesiredSetBuilder(snapshot, at, zone, scope).build();
}

}  // namespace bisk

#include <algorithm>

#include "common/text.h"
#include "domain/validation.h"
#include "schedule/desired_set.h"
#include "schedule/window_occurrence.h"

namespace bisk {
namespace {

template <typename Entity>
const Entity* find_by_id(const std::vector<Entity>& entities, Id id) {
  const auto found = std::find_if(entities.begin(), entities.end(), [&](const Entity& e) { return e.id == id; });
  return found == entities.end() ? nullptr : &*found;
}

// Builds the lines of explain_camera. The verdict comes from compute_desired_set
// itself, so the explanation can never disagree with what the enforcer does.
class CameraExplainer {
 public:
  CameraExplainer(const ScheduleSnapshot& snapshot, const Camera& camera, Instant at, TimeZone zone,
                  const std::optional<NodeScope>& scope)
      : snapshot_(snapshot),
        camera_(camera),
        at_(at),
        zone_(zone),
        scope_(scope),
        today_(to_local(at, zone).date),
        yesterday_(add_days(today_, -1)) {}

  std::vector<std::string> explain() {
    add("camera " + std::to_string(camera_.id) + " " + quoted(camera_.name) + " at " + format_instant(at_, zone_) +
        " (" + std::string(weekday_name(weekday_of(today_))) + ")");
    add(camera_.is_active ? "active: yes" : "active: no, the camera is inactive");
    describe_node();
    describe_pause();
    describe_policies();
    describe_profiles();
    describe_periods();
    add_verdict();
    return std::move(lines_);
  }

 private:
  void add(std::string line) { lines_.push_back(std::move(line)); }
  std::string instant(Instant t) const { return format_instant(t, zone_); }

  void describe_node() {
    const bool assigned = camera_.node && !camera_.node->empty();
    std::string line = assigned ? "node: assigned to " + quoted(*camera_.node) : std::string("node: unassigned");
    if (!scope_) {
      add(line + "; every node's cameras are considered");
      return;
    }
    const bool ours = assigned ? *camera_.node == scope_->node : scope_->primary;
    line += "; this enforcer is node " + quoted(scope_->node) + (scope_->primary ? " (primary)" : " (not primary)");
    add(line + (ours ? ", so it runs here" : ", so it does not run here"));
  }

  void describe_pause() {
    if (!camera_.pause_until) {
      add("pause: not paused");
    } else if (*camera_.pause_until > at_) {
      add("pause: paused until " + instant(*camera_.pause_until));
    } else {
      add("pause: the pause ended at " + instant(*camera_.pause_until));
    }
  }

  void describe_policies() {
    std::vector<const SchedulePolicy*> containing;
    for (const SchedulePolicy& policy : snapshot_.policies) {
      if (std::find(policy.camera_ids.begin(), policy.camera_ids.end(), camera_.id) != policy.camera_ids.end()) {
        containing.push_back(&policy);
      }
    }
    std::sort(containing.begin(), containing.end(), [](auto* a, auto* b) { return a->id < b->id; });
    if (containing.empty()) add("policies: no policy contains this camera");
    for (const SchedulePolicy* policy : containing) describe_policy(*policy);
  }

  void describe_policy(const SchedulePolicy& policy) {
    const std::string name = "policy " + quoted(policy.name) + " (id " + std::to_string(policy.id) + ")";
    if (!policy.is_enabled) {
      add(name + ": disabled, so its windows are ignored");
      return;
    }
    add(name + ": enabled");
    bool any_window = false;
    for (const ScheduleWindow& window : policy.windows) {
      for (LocalDate date : {yesterday_, today_}) {
        if (window.day_of_week != weekday_of(date)) continue;
        describe_window_occurrence(policy, window, date);
        any_window = true;
      }
    }
    if (!any_window) {
      add("  no window of " + quoted(policy.name) + " starts on " + format_date(yesterday_) + " or " +
          format_date(today_));
    }
    for (const ScheduleException& exception : policy.exceptions) {
      if (exception.date == yesterday_ || exception.date == today_) {
        add("  exception on " + format_date(exception.date) + ": " + exception.mode +
            " for the windows starting that day");
      }
    }
  }

  void describe_window_occurrence(const SchedulePolicy& policy, const ScheduleWindow& window, LocalDate date) {
    profile_ids_.push_back(window.profile_id);
    const Interval span = window_occurrence(window, date, zone_);
    std::string line = "  window " + describe_window(window) + " of policy " + quoted(policy.name) + " (profile " +
                       std::to_string(window.profile_id) + "), " + instant(span.begin) + " to " + instant(span.end) +
                       ": ";
    if (!span.contains(at_)) {
      add(line + "does not cover the instant");
    } else if (is_off_by_exception(policy, date)) {
      add(line + "covers the instant, but the policy is off on " + format_date(date) + " (exception)");
    } else {
      add(line + "covers the instant");
    }
  }

  void describe_profiles() {
    std::sort(profile_ids_.begin(), profile_ids_.end());
    profile_ids_.erase(std::unique(profile_ids_.begin(), profile_ids_.end()), profile_ids_.end());
    for (Id profile_id : profile_ids_) {
      const StreamProfile* profile = find_by_id(snapshot_.profiles, profile_id);
      if (!profile) {
        add("profile " + std::to_string(profile_id) + ": does not exist");
      } else {
        add("profile " + quoted(profile->name) + " (id " + std::to_string(profile_id) +
            "): " + (profile->is_active ? "active" : "inactive"));
      }
    }
  }

  void describe_periods() {
    if (camera_.period_template_ids.empty()) {
      add("periods: none linked, so the windows alone decide");
      return;
    }
    for (Id template_id : camera_.period_template_ids) describe_period(template_id);
  }

  void describe_period(Id template_id) {
    const PeriodTemplate* period = find_by_id(snapshot_.templates, template_id);
    if (!period) {
      add("period " + std::to_string(template_id) + ": does not exist");
      return;
    }
    add("period " + quoted(period->name) + " (id " + std::to_string(template_id) +
        "): " + (period->is_enabled ? "enabled" : "disabled, so it never allows the camera"));
    const PeriodOccurrence* next = nullptr;
    bool covered = false;
    for (const PeriodOccurrence& occurrence : snapshot_.occurrences) {
      if (occurrence.template_id != template_id) continue;
      if (occurrence.start_at <= at_ && at_ < occurrence.end_at) {
        add("  occurrence of " + format_date(occurrence.date) + ", " + instant(occurrence.start_at) + " to " +
            instant(occurrence.end_at) + ": covers the instant, " +
            (occurrence.is_school_day ? "a school day" : "a holiday"));
        covered = true;
      } else if (occurrence.start_at > at_ && (!next || occurrence.start_at < next->start_at)) {
        next = &occurrence;
      }
    }
    if (covered) return;
    if (next) {
      add("  no occurrence covers the instant; the next is " + format_date(next->date) + ", " +
          instant(next->start_at) + " to " + instant(next->end_at) + (next->is_school_day ? "" : " (a holiday)"));
    } else {
      add("  no occurrence covers the instant, and none later is known");
    }
  }

  void add_verdict() {
    const DesiredSet set = compute_desired_set(snapshot_, at_, zone_, scope_);
    std::string verdict;
    for (const DesiredPair& pair : set.desired) {
      if (pair.camera_id != camera_.id) continue;
      verdict += verdict.empty() ? "verdict: desired for " : " and for ";
      verdict += profile_name(pair.profile_id) + " via policy " + policy_name(pair.policy_id);
    }
    for (const NotDesired& absent : set.not_desired) {
      if (absent.camera_id == camera_.id) {
        verdict = "verdict: not desired — " + std::string(reason_code(absent.reason)) + ": " + absent.detail;
      }
    }
    add(verdict);
  }

  std::string profile_name(Id profile_id) const {
    const StreamProfile* profile = find_by_id(snapshot_.profiles, profile_id);
    return "profile " + quoted(profile ? profile->name : "?") + " (id " + std::to_string(profile_id) + ")";
  }

  std::string policy_name(Id policy_id) const {
    const SchedulePolicy* policy = find_by_id(snapshot_.policies, policy_id);
    return quoted(policy ? policy->name : "?");
  }

  const ScheduleSnapshot& snapshot_;
  const Camera& camera_;
  const Instant at_;
  const TimeZone zone_;
  const std::optional<NodeScope>& scope_;
  const LocalDate today_;
  const LocalDate yesterday_;
  std::vector<Id> profile_ids_;  // of the windows described, for the profile lines
  std::vector<std::string> lines_;
};

}  // namespace

std::vector<std::string> explain_camera(const ScheduleSnapshot& snapshot, Id camera_id, Instant at, TimeZone zone,
                                        const std::optional<NodeScope>& scope) {
  const Camera* camera = find_by_id(snapshot.cameras, camera_id);
  if (!camera) return {};
  return CameraExplainer(snapshot, *camera, at, zone, scope).explain();
}

}  // namespace bisk

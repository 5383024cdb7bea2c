// Rules every write must satisfy, whichever door it comes through (CLI, HTTP).
// Each problem names the field and says what is allowed, so it can be shown to
// an operator as it is.
#pragma once

#include <string>
#include <vector>

#include "domain/entities.h"

namespace bisk {

struct FieldError {
  std::string field;    // API field name, e.g. "windows[1].end"
  std::string message;  // e.g. "must be one of auto, tcp, udp (got 'tpc')"
};

std::vector<FieldError> validate(const Camera& camera);
std::vector<FieldError> validate(const StreamProfile& profile);
std::vector<FieldError> validate(const SchedulePolicy& policy);  // includes window overlaps
std::vector<FieldError> validate(const PeriodTemplate& period_template);
std::vector<FieldError> validate(const ResourceSettings& settings);
std::vector<FieldError> validate(const Student& student);

// Windows of one policy may not overlap in the week (an overnight window's
// after-midnight part belongs to the next day, Sunday wraps to Monday);
// windows that merely touch are fine.
std::vector<FieldError> find_window_overlaps(const std::vector<ScheduleWindow>& windows);

// How messages name a window: "Mon 08:00–12:00", "Sun 22:00–Mon 02:00" (overnight),
// "Mon (whole day)".
std::string describe_window(const ScheduleWindow& window);

// "a; b; c" for messages.
std::string join_errors(const std::vector<FieldError>& errors);

}  // namespace bisk

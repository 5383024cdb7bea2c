// The dashboard's views: what each page and partial shows, as JSON for the
// templates in web/templates, with every value ready to print (ages in words,
// fps with one decimal, local times). Building a view reads the database; it
// writes nothing.
#pragma once

#include "common/time.h"
#include "domain/entity_json.h"
#include "web/web_context.h"

namespace bisk {

// The most recent recognitions the panel shows by default, and at most.
inline constexpr int kDefaultRecentRecognitions = 10;
inline constexpr int kMaxRecentRecognitions = 100;

// /dash/system/panel/: host, runners, enforcer, today's periods and the
// `recent` newest recognitions (clamped to 1..kMaxRecentRecognitions).
Json system_panel_view(WebContext& context, Instant now, int recent);

// "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago".
std::string age_in_words(Instant then, Instant now);

}  // namespace bisk

// `bisk runner` (SPEC §5): one camera/profile pair. Four threads with one job
// each: the stream supervisor decodes (newest frame to a FrameSlot), the
// snapshot writer saves the latest frame, the recognition loop detects,
// matches and keeps each student's best sighting per cooldown, the reporter
// sends heartbeats and sightings and refreshes the gallery. The main thread
// waits for SIGTERM/SIGINT and shuts everything down within 2 s.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "runner/runner_options.h"

namespace bisk {

struct RunnerEnvironment {
  std::string model_dir;   // BISK_MODEL_DIR
  std::string ffmpeg_bin;  // BISK_FFMPEG_BIN (ffmpeg_all)
  // A student seen again within this time is the same sighting; the best one
  // of the window is reported when it ends.
  std::chrono::seconds cooldown{10};
  // A match must beat the best other student by this much (cosine).
  float margin = 0.1f;
};

// Exit codes: 0 after SIGTERM/SIGINT, 2 for a configuration that cannot work
// (a missing model file, a gallery of another model), 1 for anything else.
int run_runner(const RunnerOptions& options, const RunnerEnvironment& environment, std::ostream& log);

}  // namespace bisk

// `bisk runner` (SPEC §5): started by the enforcer, or by hand for a test.

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "runner/runner.h"

namespace bisk {

void add_runner_commands(CLI::App& app, CommandContext& context) {
  auto* runner = app.add_subcommand("runner", "Decode one camera and recognise faces (started by the enforcer)");
  auto options = std::make_shared<RunnerOptions>();
  auto manual_url = std::make_shared<std::string>();
  runner->add_option("--impl", options->impl, "ffmpeg_all (an ffmpeg child) or ffmpeg_one (in-process)")->required();
  runner->add_option("--camera", options->camera_id, "Camera id")->required();
  runner->add_option("--profile", options->profile_id, "Stream profile id")->required();
  runner->add_option("--fps", options->fps, "Frames per second to process")->required();
  runner->add_option("--det_set", options->det_set, "Detector width: auto, 320, 480, 640, 800, 1024")->required();
  runner->add_option("--hb", options->heartbeat_url, "Heartbeat URL")->required();
  runner->add_option("--hb_interval", options->hb_interval_s, "Seconds between heartbeats")->required();
  runner->add_option("--snapshots", options->snapshot_dir, "Snapshot directory")->required();
  runner->add_option("--snapshot_every", options->snapshot_every_s, "Seconds between snapshots")->required();
  runner->add_option("--rtsp_transport", options->rtsp_transport, "auto, tcp or udp");
  runner->add_option("--device", options->device, "cpu or cuda");
  runner->add_option("--gpu_index", options->gpu_index, "GPU for --device cuda");
  runner->add_option("--hwaccel", options->hwaccel, "none or cuda");
  runner->add_option("--min_score", options->min_score, "Cosine similarity to accept a match (0..1)");
  runner->add_option("--min_face_px", options->min_face_px, "Smaller faces are not embedded");
  runner->add_option("--rtsp", *manual_url,
                     "Stream URL for a manual run (visible in the process list; the enforcer uses BISK_RTSP_URL)");
  runner->callback([&context, options, manual_url] {
    const char* url = std::getenv("BISK_RTSP_URL");
    options->stream_url = !manual_url->empty() ? *manual_url : (url ? url : "");
    options->heartbeat_key = context.settings().heartbeat_key.value_or("");
    if (const auto problems = validate_runner_options(*options); !problems.empty()) {
      std::string message = "bisk runner:";
      for (const auto& problem : problems) message += "\n  " + problem;
      throw UsageError(message);
    }
    RunnerEnvironment environment;
    environment.model_dir = context.settings().model_dir;
    environment.ffmpeg_bin = context.settings().ffmpeg_bin;
    if (const int code = run_runner(*options, environment, std::cerr); code != 0) throw CommandExit(code);
  });
}

}  // namespace bisk

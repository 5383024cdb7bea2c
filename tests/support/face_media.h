// The face models and test photos of scripts/fetch_assets.sh ($BISK_ASSETS_DIR,
// default ~/.cache/bisk-assets), the "classroom" video the runner tests make
// from them, and a look at the ffmpeg processes reading a stream.
//
//   if (!face_models_present()) GTEST_SKIP() << kNoFaceModels << assets_dir();
//   const std::string video = make_classroom_video(work.path());
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bisk::testing {

inline constexpr char kNoFaceModels[] = "no face models (run scripts/fetch_assets.sh) in ";

// $BISK_ASSETS_DIR when set, else the directory the build was configured with.
std::filesystem::path assets_dir();
std::filesystem::path asset_media(const std::string& name);  // <assets>/media/<name>
std::filesystem::path model_dir();                           // <assets>/models, for BISK_MODEL_DIR
bool face_models_present();

// Runs /usr/bin/ffmpeg with `args` to completion; throws std::runtime_error with
// its error output when it fails.
void run_ffmpeg(const std::vector<std::string>& args);

// `dir`/classroom.mp4, H.264 1280x720 at 25 fps: `repeats` times 8 s of Grace
// Hopper (placed and scaled), the astronaut, Grace again (smaller, brighter,
// elsewhere) and the cameraman, 2 s each. Repeating (stream copy, timestamps
// continue) makes a video long enough that an RTSP server looping it
// (tests/rtsp_server, whose timestamps restart at each loop) does not loop
// within a test. Returns the path; throws when ffmpeg fails.
std::string make_classroom_video(const std::filesystem::path& dir, int repeats = 1);

// The live (not zombie) ffmpeg processes with an argument containing `needle`,
// e.g. the video file or "127.0.0.1:<port>/".
std::vector<int> ffmpeg_processes_with_arg(const std::string& needle);

}  // namespace bisk::testing

#include "support/face_media.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "support/enforcer_fixture.h"
#include "support/subprocess.h"

namespace bisk::testing {

namespace fs = std::filesystem;

fs::path assets_dir() {
  const char* dir = std::getenv("BISK_ASSETS_DIR");
  return dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::path(BISK_ASSETS_DIR);
}

fs::path asset_media(const std::string& name) { return assets_dir() / "media" / name; }

fs::path model_dir() { return assets_dir() / "models"; }

bool face_models_present() {
  for (const char* file : {"fr_detect.onnx", "fr_landmark.onnx", "fr_feature.onnx"}) {
    if (!fs::exists(model_dir() / file)) return false;
  }
  return true;
}

void run_ffmpeg(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult result = run_process(argv, {{"PATH", "/usr/bin:/bin"}}, "", std::chrono::seconds(120));
  if (result.exit_code != 0) throw std::runtime_error("ffmpeg failed: " + result.err);
}

std::string make_classroom_video(const fs::path& dir, int repeats) {
  struct Clip {
    const char* photo;
    const char* filter;
    const char* name;
  };
  const Clip clips[] = {
      {"grace_hopper_512x512.jpg", "scale=360:360,pad=1280:720:200:120", "a.mp4"},
      {"astronaut.png", "scale=400:400,pad=1280:720:600:200", "b.mp4"},
      {"grace_hopper_512x512.jpg", "scale=260:260,eq=brightness=0.12,pad=1280:720:900:60", "c.mp4"},
      {"camera.png", "scale=420:420,pad=1280:720:100:150", "d.mp4"},
  };
  for (const Clip& clip : clips) {
    run_ffmpeg({"-loop", "1", "-i", asset_media(clip.photo).string(), "-vf", clip.filter, "-t", "2", "-r", "25", "-c:v",
                "libx264", "-pix_fmt", "yuv420p", (dir / clip.name).string()});
  }
  {
    std::ofstream list(dir / "list.txt");
    for (int i = 0; i < repeats; ++i) {
      for (const Clip& clip : clips) list << "file '" << (dir / clip.name).string() << "'\n";
    }
  }
  const std::string out = (dir / "classroom.mp4").string();
  run_ffmpeg({"-f", "concat", "-safe", "0", "-i", (dir / "list.txt").string(), "-c", "copy", out});
  return out;
}

std::vector<int> ffmpeg_processes_with_arg(const std::string& needle) {
  std::vector<int> found;
  for (const ProcInfo& process : all_processes()) {
    if (process.comm != "ffmpeg" || process.state == 'Z' || process.state == 'X') continue;
    for (const std::string& arg : proc_cmdline(process.pid)) {
      if (arg.find(needle) != std::string::npos) {
        found.push_back(process.pid);
        break;
      }
    }
  }
  return found;
}

}  // namespace bisk::testing

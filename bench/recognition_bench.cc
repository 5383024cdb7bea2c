// The runner's recognition cost per frame, without decoding, on the runner's own
// code: FacePipeline (detect, landmarks + align, embed) and match()
// against a gallery of --students students × --templates templates (Grace
// Hopper, enrolled from --photo like `bisk enroll` does, plus random unit
// vectors), on frames of --input decoded at --fps by the runner's ffmpeg_one
// source (LibavSource, as fast as possible). The decoded frames are cached
// first (every --stride-th one, at most --frames) and then cycled through, so
// no decoding runs while recognition is measured.
//
// Three passes: every face of every frame described, OpenCV limited to one
// thread (FacePipelineOptions.threads = 1, what `bisk runner` uses) and on
// OpenCV's default thread count; then one thread with the runner's
// FaceTracker deciding which faces are described (frames timed at --fps). Per pass:
// p50/p99/mean wall ms of each stage, CPU ms per frame (getrusage, the whole
// process: OpenCV's pool threads included) and what that costs in cores at
// --fps, plus the RSS after warm-up and its growth over the RSS before any model. Also: the CPU of decoding the whole
// file with LibavSource (every frame decoded, --fps of them converted to BGR).
//
//   recognition_bench --model_dir DIR --input input720.mp4 --photo grace_hopper_512x512.jpg
//                     [--students 1000] [--templates 3] [--iterations 300] [--warmup 10]
//                     [--frames 30] [--stride 10] [--fps 5] [--min_face_px 40]
//
// Prints Markdown tables, then RESULT lines (key=value) for bench/runner_bench.sh.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "runner/face_embedder.h"
#include "runner/face_matcher.h"
#include "runner/face_pipeline.h"
#include "runner/face_recognizer.h"
#include "runner/image_codec.h"
#include "runner/libav_source.h"
#include "runner/photo_quality.h"

namespace bisk {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string model_dir;
  std::string input;
  std::string photo;
  int students = 1000;
  int templates = 3;
  int iterations = 300;
  int warmup = 10;
  int frames = 30;
  int stride = 10;
  double fps = 5;
  int min_face_px = 40;
};

double cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3) +
         (static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3);
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A field of /proc/self/status in kB (VmRSS...), as MiB.
double status_mib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::size_t length = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.compare(0, length, field) == 0 && line.size() > length && line[length] == ':')
      return std::atof(line.c_str() + length + 1) / 1024.0;
  }
  return 0;
}

struct Stats {
  double p50 = 0, p99 = 0, mean = 0;
};

Stats stats(std::vector<double> values) {
  Stats s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const auto rank = [&](double p) {  // nearest rank
    const auto index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size()))) - 1;
    return values[std::min(index, values.size() - 1)];
  };
  s.p50 = rank(0.50);
  s.p99 = rank(0.99);
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  return s;
}

struct Decoded {
  std::vector<cv::Mat> frames;  // the cache
  long long delivered = 0;      // frames at --fps over the whole file
  long long decoded = 0;        // every frame of the file
  double cpu_ms = 0;
  double wall_ms = 0;
  double video_s = 0;  // delivered / fps
};

Decoded decode(const Args& args) {
  Decoded out;
  LibavSource source;
  SourceOptions options;
  options.target_fps = args.fps;
  options.max_width = 1280;
  const double cpu0 = cpu_ms();
  const auto wall0 = Clock::now();
  if (!source.open(args.input, options, std::stop_token())) {
    std::fprintf(stderr, "recognition_bench: cannot open %s: %s\n", args.input.c_str(), source.error().c_str());
    std::exit(1);
  }
  Frame frame;
  while (source.read(frame, std::chrono::seconds(10)) == ReadStatus::kFrame) {
    if ((out.delivered++ % args.stride) == 0 && static_cast<int>(out.frames.size()) < args.frames)
      out.frames.push_back(frame.bgr);  // a new buffer per frame (LibavSource never reuses one)
  }
  out.decoded = source.decoded();
  source.close();
  out.cpu_ms = cpu_ms() - cpu0;
  out.wall_ms = ms_since(wall0);
  out.video_s = static_cast<double>(out.delivered) / args.fps;
  if (out.frames.empty()) {
    std::fprintf(stderr, "recognition_bench: no frame decoded from %s (%s)\n", args.input.c_str(),
                 source.error().c_str());
    std::exit(1);
  }
  return out;
}

std::vector<float> random_unit(std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(FaceEmbedder::kDimension);
  double norm = 0;
  for (float& x : v) {
    x = normal(random);
    norm += static_cast<double>(x) * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

// Grace (the last student id) from the photo, the others random; each student
// has `templates` templates (Grace's extra ones are her embedding plus noise).
std::vector<GalleryFace> make_gallery(const Args& args, const std::vector<float>& grace, long long grace_id) {
  std::mt19937 random(12345);
  std::vector<GalleryFace> gallery;
  gallery.reserve(static_cast<std::size_t>(args.students) * args.templates);
  for (long long id = 1; id <= args.students; ++id) {
    for (int t = 0; t < args.templates; ++t) {
      if (id != grace_id) {
        gallery.push_back({id, random_unit(random)});
        continue;
      }
      std::vector<float> v = grace;
      if (t > 0) {
        const std::vector<float> noise = random_unit(random);
        double norm = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
          v[i] += 0.3f * noise[i];
          norm += static_cast<double>(v[i]) * v[i];
        }
        for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
      }
      gallery.push_back({id, std::move(v)});
    }
  }
  return gallery;
}

struct Pass {
  int threads_option = 0;  // FacePipelineOptions.threads
  int opencv_threads = 0;  // cv::getNumThreads() during the pass
  bool tracked = false;
  Stats detect, align, embed, match, total;
  double cpu_ms_per_frame = 0;
  double wall_ms_per_frame = 0;
  double faces_per_frame = 0;
  double described_rate = 0;  // faces embedded / faces detected
  double grace_rate = 0;      // frames whose best accepted match was Grace
  double rss_mib = 0;         // after warm-up
};

// The runner's FaceRecognizer; tracked: as `bisk runner` runs it, the
// FaceTracker deciding which faces are described, frames timed at --fps.
Pass run_pass(const Args& args, int threads, bool tracked, const Decoded& decoded,
              const std::shared_ptr<const FaceGallery>& gallery, long long grace_id) {
  Pass pass;
  pass.threads_option = threads;
  pass.tracked = tracked;
  cv::setNumThreads(threads > 0 ? threads : -1);  // -1: back to OpenCV's default
  FacePipelineOptions options;
  options.threads = threads;
  FacePipeline pipeline(args.model_dir, options);
  pass.opencv_threads = cv::getNumThreads();
  const std::size_t n = decoded.frames.size();
  for (int i = 0; i < args.warmup; ++i) pipeline.process(decoded.frames[i % n], args.min_face_px);
  pass.rss_mib = status_mib("VmRSS");
  FaceRecognizer recognizer(pipeline, {args.min_face_px, 0, 0.5f, 0.1f, tracked});
  const auto frame_interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1 / args.fps));
  std::vector<double> detect, align, embed, match_ms, total;
  long long faces = 0, described = 0, grace = 0;
  const double cpu0 = cpu_ms();
  const auto wall0 = Clock::now();
  for (int i = 0; i < args.iterations; ++i) {
    const auto start = Clock::now();
    const FaceRecognizer::Result result = recognizer.recognize(decoded.frames[static_cast<std::size_t>(i) % n], gallery,
                                                               Clock::time_point() + i * frame_interval);
    std::optional<Match> best;
    for (const FaceRecognizer::RecognizedFace& face : result.faces) {
      described += face.described ? 1 : 0;
      if (face.match && (!best || face.match->score > best->score)) best = face.match;
    }
    match_ms.push_back(result.match_ms);
    total.push_back(ms_since(start));
    detect.push_back(result.counts.timings.detect_ms);
    align.push_back(result.counts.timings.align_ms);
    embed.push_back(result.counts.timings.embed_ms);
    faces += static_cast<long long>(result.faces.size());
    if (best && best->student_id == grace_id) ++grace;
  }
  const double iterations = args.iterations;
  pass.cpu_ms_per_frame = (cpu_ms() - cpu0) / iterations;
  pass.wall_ms_per_frame = ms_since(wall0) / iterations;
  pass.detect = stats(detect);
  pass.align = stats(align);
  pass.embed = stats(embed);
  pass.match = stats(match_ms);
  pass.total = stats(total);
  pass.faces_per_frame = static_cast<double>(faces) / iterations;
  pass.described_rate = faces > 0 ? static_cast<double>(described) / static_cast<double>(faces) : 0;
  pass.grace_rate = static_cast<double>(grace) / iterations;
  return pass;
}

std::string pass_label(const Pass& pass) {
  return std::to_string(pass.opencv_threads) + (pass.threads_option > 0 ? " (threads = 1)" : " (default)") +
         (pass.tracked ? ", tracked (as bisk runner)" : ", every face every frame");
}

bool parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (flag == "--model_dir") {
      args.model_dir = value;
    } else if (flag == "--input") {
      args.input = value;
    } else if (flag == "--photo") {
      args.photo = value;
    } else if (flag == "--students") {
      args.students = std::atoi(value);
    } else if (flag == "--templates") {
      args.templates = std::atoi(value);
    } else if (flag == "--iterations") {
      args.iterations = std::atoi(value);
    } else if (flag == "--warmup") {
      args.warmup = std::atoi(value);
    } else if (flag == "--frames") {
      args.frames = std::atoi(value);
    } else if (flag == "--stride") {
      args.stride = std::atoi(value);
    } else if (flag == "--fps") {
      args.fps = std::atof(value);
    } else if (flag == "--min_face_px") {
      args.min_face_px = std::atoi(value);
    } else {
      return false;
    }
  }
  return !args.model_dir.empty() && !args.input.empty() && !args.photo.empty() && args.students >= 1 &&
         args.templates >= 1 && args.iterations >= 1 && args.warmup >= 0 && args.frames >= 1 && args.stride >= 1 &&
         args.fps > 0;
}

int run(const Args& args) {
  const Decoded decoded = decode(args);
  double cache_mib = 0;
  for (const cv::Mat& frame : decoded.frames)
    cache_mib += static_cast<double>(frame.total() * frame.elemSize()) / (1024.0 * 1024.0);
  const double baseline_mib = status_mib("VmRSS");  // libraries and the frame cache, no model yet

  // Grace's template, exactly as `bisk enroll` computes it.
  const cv::Mat photo = read_image(args.photo);
  if (photo.empty()) {
    std::fprintf(stderr, "recognition_bench: cannot read %s\n", args.photo.c_str());
    return 1;
  }
  std::vector<float> grace;
  {
    FacePipeline enroller(args.model_dir);
    const PhotoQuality quality = check_enrollment_photo(enroller, photo);
    if (!quality.ok() || !quality.face) {
      std::fprintf(stderr, "recognition_bench: %s: %s\n", args.photo.c_str(), quality.reason.c_str());
      return 1;
    }
    grace = quality.face->embedding;
  }
  const long long grace_id = args.students;
  const auto gallery =
      std::make_shared<const FaceGallery>(make_gallery(args, grace, grace_id), FaceEmbedder::kDimension);

  std::vector<Pass> passes;
  passes.push_back(run_pass(args, 1, /*tracked=*/false, decoded, gallery, grace_id));
  passes.push_back(run_pass(args, 0, /*tracked=*/false, decoded, gallery, grace_id));
  passes.push_back(run_pass(args, 1, /*tracked=*/true, decoded, gallery, grace_id));

  const cv::Mat& first = decoded.frames.front();
  std::printf(
      "Frames: %d×%d from %s at %.3g fps (%zu cached, cycled), min_face_px %d; gallery: %d students × %d "
      "templates (%zu vectors of %d); %d frames measured per pass after %d warm-up frames.\n\n",
      first.cols, first.rows, args.input.c_str(), args.fps, decoded.frames.size(), args.min_face_px, args.students,
      args.templates, gallery->templates(), FaceEmbedder::kDimension, args.iterations, args.warmup);
  std::printf("| OpenCV threads, faces embedded | stage | p50 ms | p99 ms | mean ms |\n|---|---|---|---|---|\n");
  for (const Pass& pass : passes) {
    const std::string label = pass_label(pass);
    const std::pair<const char*, const Stats*> rows[] = {{"detect", &pass.detect},
                                                         {"landmarks + align", &pass.align},
                                                         {"embed", &pass.embed},
                                                         {"match", &pass.match},
                                                         {"**total per frame**", &pass.total}};
    for (const auto& [stage, s] : rows)
      std::printf("| %s | %s | %.2f | %.2f | %.2f |\n", label.c_str(), stage, s->p50, s->p99, s->mean);
  }
  std::printf(
      "\n| OpenCV threads, faces embedded | CPU ms/frame | wall ms/frame | model cost at %.3g fps (cores) | "
      "faces/frame | faces embedded | frames matched to Grace | RSS after warm-up MiB | RSS growth from models, "
      "buffers, gallery MiB |\n|---|---|---|---|---|---|---|---|---|\n",
      args.fps);
  for (const Pass& pass : passes) {
    std::printf("| %s | %.1f | %.1f | **%.3f** | %.2f | %.0f %% | %.0f %% | %.1f | %.1f |\n", pass_label(pass).c_str(),
                pass.cpu_ms_per_frame, pass.wall_ms_per_frame, pass.cpu_ms_per_frame * args.fps / 1000.0,
                pass.faces_per_frame, pass.described_rate * 100.0, pass.grace_rate * 100.0, pass.rss_mib,
                pass.rss_mib - baseline_mib);
  }
  std::printf(
      "\nRSS before any model: %.1f MiB (libraries + %.1f MiB of cached frames); the growth column is RSS after "
      "warm-up minus that (the passes run one after the other in one process).\n",
      baseline_mib, cache_mib);
  const double decode_cores = decoded.video_s > 0 ? decoded.cpu_ms / 1000.0 / decoded.video_s : 0;
  std::printf(
      "\nDecoding (not in the figures above): LibavSource decoded %lld frames (%lld kept at %.3g fps, %.1f s of "
      "video) in %.1f s wall, %.1f s CPU = %.3f cores in real time.\n",
      decoded.decoded, decoded.delivered, args.fps, decoded.video_s, decoded.wall_ms / 1000.0, decoded.cpu_ms / 1000.0,
      decode_cores);
  for (const Pass& pass : passes) {
    std::printf(
        "RESULT threads=%s mode=%s opencv_threads=%d cpu_ms_per_frame=%.2f model_cores=%.4f total_p50_ms=%.2f "
        "total_p99_ms=%.2f match_p50_ms=%.3f grace_rate=%.3f rss_growth_mib=%.1f\n",
        pass.threads_option > 0 ? "1" : "default", pass.tracked ? "tracked" : "every_frame", pass.opencv_threads,
        pass.cpu_ms_per_frame, pass.cpu_ms_per_frame * args.fps / 1000.0, pass.total.p50, pass.total.p99,
        pass.match.p50, pass.grace_rate, pass.rss_mib - baseline_mib);
  }
  std::printf("RESULT decode_cores=%.4f\n", decode_cores);
  return 0;
}

}  // namespace
}  // namespace bisk

int main(int argc, char** argv) {
  bisk::Args args;
  if (!bisk::parse(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: %s --model_dir DIR --input VIDEO --photo FACE.jpg [--students N] [--templates N] "
                 "[--iterations N] [--warmup N] [--frames N] [--stride N] [--fps F] [--min_face_px N]\n",
                 argv[0]);
    return 2;
  }
  return bisk::run(args);
}

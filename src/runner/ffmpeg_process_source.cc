#include "runner/ffmpeg_process_source.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string_view>
#include <utility>

#include "common/url.h"

namespace bisk {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kTailLines = 20;

std::string fps_text(double fps) {
  std::ostringstream out;
  out.precision(6);
  out << fps;
  return out.str();
}

// The first " WxH" token followed by a space, ',', '[' or the end ("..., bgr24(pc), 640x360 [SAR 1:1 ...").
std::pair<int, int> parse_size(std::string_view text) {
  const auto digits = [&](size_t at) {
    size_t end = at;
    while (end < text.size() && end - at < 6 && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    return end;
  };
  for (size_t at = 0; at < text.size(); ++at) {
    if (!std::isspace(static_cast<unsigned char>(text[at]))) continue;
    const size_t w_end = digits(at + 1);
    if (w_end == at + 1 || w_end >= text.size() || text[w_end] != 'x') continue;
    const size_t h_end = digits(w_end + 1);
    if (h_end == w_end + 1) continue;
    if (h_end < text.size() && text[h_end] != ' ' && text[h_end] != ',' && text[h_end] != '[') continue;
    return {std::atoi(std::string(text.substr(at + 1, w_end - at - 1)).c_str()),
            std::atoi(std::string(text.substr(w_end + 1, h_end - w_end - 1)).c_str())};
  }
  return {0, 0};
}

// The number before " fps" (or " tbr") in ffmpeg's description of a stream
// ("..., 25 fps, 25 tbr, 12800 tbn"); 0 when absent. A "k" suffix is x1000.
double parse_rate(std::string_view line, std::string_view unit) {
  const size_t at = line.find(unit);
  if (at == std::string_view::npos) return 0;
  size_t start = at;
  while (start > 0 && line[start - 1] != ' ' && line[start - 1] != ',') --start;
  std::string number(line.substr(start, at - start));
  double scale = 1;
  if (!number.empty() && number.back() == 'k') {
    scale = 1000;
    number.pop_back();
  }
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  return end != number.c_str() && *end == '\0' && value > 0 ? value * scale : 0;
}

double nominal_rate(std::string_view stream_line) {
  const double fps = parse_rate(stream_line, " fps,");
  return fps > 0 ? fps : parse_rate(stream_line, " tbr,");
}

}  // namespace

FfmpegProcessSource::~FfmpegProcessSource() { close(); }

std::vector<std::string> FfmpegProcessSource::build_args(const std::string& url, const SourceOptions& options,
                                                         bool skip_references) {
  skip_references = skip_references && options.target_fps > 0;
  std::vector<std::string> args = {options.ffmpeg_bin, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"};
  // One decoding thread per camera: frames are scaled to at most 1280 wide, so a
  // 1080p stream is plenty (a 4K camera's substream is the right input), and
  // every extra thread costs CPU and memory in each of many runners.
  args.insert(args.end(), {"-threads", "1", "-filter_threads", "1"});
  const std::string scheme = url_scheme(url);
  if ((scheme == "rtsp" || scheme == "rtsps") && mask_url(url) == url) {
    if (options.rtsp_transport == "tcp" || options.rtsp_transport == "udp")
      args.insert(args.end(), {"-rtsp_transport", options.rtsp_transport});
    // Socket I/O timeout (microseconds): a silent camera ends ffmpeg with "timed out".
    args.insert(args.end(), {"-timeout", "10000000"});
  }
  if (skip_references) args.insert(args.end(), {"-skip_frame", "noref"});
  if (options.realtime) args.push_back("-re");
  if (options.loop) args.insert(args.end(), {"-stream_loop", "-1"});
  if (mask_url(url) != url) {
    // A password: the URL goes to ffmpeg's concat demuxer through fd 3 (concat_list), not argv.
    args.insert(args.end(), {"-f", "concat", "-safe", "0", "-protocol_whitelist",
                             "pipe,file,rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https,httpproxy,crypto", "-i", "pipe:3"});
  } else {
    args.insert(args.end(), {"-i", url});
  }
  args.insert(args.end(), {"-map", "0:v:0", "-an", "-sn", "-dn"});
  // fps first: frames beyond the target are dropped before scale/format, which
  // then run as one swscale pass on the kept frames only.
  std::string filters;
  if (skip_references) filters = "showinfo=checksum=0,";  // one line per decoded frame, for ReferenceSkipping
  if (options.target_fps > 0) filters += "fps=" + fps_text(options.target_fps) + ",";
  if (options.max_width > 0)
    filters += "scale=w='min(iw," + std::to_string(options.max_width) + ")':h=-2:flags=bilinear,";
  filters += "format=bgr24";
  args.insert(args.end(), {"-vf", filters, "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"});
  return args;
}

std::string FfmpegProcessSource::concat_list(const std::string& url, const SourceOptions& options) {
  if (mask_url(url) == url) return "";
  // ffconcat quoting: inside '...', a quote is written '\''.
  std::string quoted;
  for (const char c : url) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  std::string list = "ffconcat version 1.0\nfile '" + quoted + "'\n";
  const std::string scheme = url_scheme(url);
  if (scheme == "rtsp" || scheme == "rtsps") {
    if (options.rtsp_transport == "tcp" || options.rtsp_transport == "udp")
      list += "option rtsp_transport " + options.rtsp_transport + "\n";
    list += "option timeout 10000000\n";
  }
  return list;
}

bool FfmpegProcessSource::open(const std::string& url, const SourceOptions& options, std::stop_token stop) {
  close();
  url_ = url;
  options_ = options;
  stop_ = stop;
  {
    std::lock_guard lock(mutex_);
    skipping_.reset();
    skipped_decoded_ = 0;
    tail_.clear();
    stderr_error_ = {};
    in_output_section_ = false;
    width_ = height_ = 0;
    stderr_closed_ = false;
    error_.clear();
  }
  if (options.hwaccel != "none" && !options.hwaccel.empty()) {
    std::lock_guard lock(mutex_);
    error_ = "hwaccel " + options.hwaccel + " is not supported; use none";
    return false;
  }

  const std::vector<std::string> args = build_args(url, options, skip_references_);
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    std::lock_guard lock(mutex_);
    error_ = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    std::lock_guard lock(mutex_);
    error_ = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  // The URL with its password, for the concat demuxer on the child's fd 3. It is
  // written whole before the fork: far below a pipe's capacity.
  const std::string list = concat_list(url, options);
  int list_pipe[2] = {-1, -1};
  if (!list.empty()) {
    if (list.size() > 16384 || pipe2(list_pipe, O_CLOEXEC) != 0 ||
        ::write(list_pipe[1], list.data(), list.size()) != static_cast<ssize_t>(list.size())) {
      for (const int fd : {list_pipe[0], list_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
        if (fd >= 0) ::close(fd);
      std::lock_guard lock(mutex_);
      error_ = "cannot pass the stream URL to ffmpeg";
      return false;
    }
    ::close(list_pipe[1]);
    list_pipe[1] = -1;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the runner died before prctl
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    if (list_pipe[0] >= 0) {
      dup2(list_pipe[0], 3);
      closefrom(4);
    } else {
      closefrom(3);
    }
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv.data());
    const char message[] = "exec ffmpeg failed: No such file or directory\n";
    if (write(2, message, sizeof message - 1) < 0) _exit(127);
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (list_pipe[0] >= 0) ::close(list_pipe[0]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    std::lock_guard lock(mutex_);
    error_ = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  pid_ = pid;
  exit_status_ = -1;
  out_fd_ = out_pipe[0];
  const int err_fd = err_pipe[0];
  stderr_thread_ = std::thread([this, err_fd] { drain_stderr(err_fd); });

  // Wait for ffmpeg to describe its output (the frame size), to fail, or for the deadline.
  const auto deadline = Clock::now() + options.open_timeout;
  std::unique_lock lock(mutex_);
  const bool described = changed_.wait_until(lock, stop, deadline, [this] { return width_ > 0 || stderr_closed_; });
  if (described && width_ > 0) {
    pending_ = cv::Mat();
    filled_ = 0;
    return true;
  }
  std::string fallback = stop.stop_requested() ? "stopped"
                         : stderr_closed_      ? "ffmpeg exited before the stream started"
                                               : "timeout: no video from the camera within " +
                                                std::to_string(options.open_timeout.count() / 1000) + " s";
  lock.unlock();
  const std::string text = stop.stop_requested() ? fallback : failure_text(fallback);
  close();
  std::lock_guard relock(mutex_);
  error_ = text;
  return false;
}

ReadStatus FfmpegProcessSource::read(Frame& frame, std::chrono::milliseconds timeout) {
  if (out_fd_ < 0) return ReadStatus::kError;
  int width = 0;
  int height = 0;
  bool skipping_failed = false;
  {
    std::lock_guard lock(mutex_);
    width = width_;
    height = height_;
    skipping_failed = skipping_stopped();
  }
  if (skipping_failed) {
    if (!restart_without_skipping()) return stop_.stop_requested() ? ReadStatus::kStopped : ReadStatus::kError;
    std::lock_guard lock(mutex_);
    width = width_;
    height = height_;
  }
  if (pending_.empty()) {
    pending_.create(height, width, CV_8UC3);  // a new buffer per frame: frames handed out are never overwritten
    filled_ = 0;
  }
  const size_t size = pending_.total() * pending_.elemSize();
  const auto deadline = Clock::now() + timeout;
  while (filled_ < size) {
    if (stop_.stop_requested()) return ReadStatus::kStopped;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return ReadStatus::kTimeout;
    pollfd poll_fd{out_fd_, POLLIN, 0};
    const int ready = poll(&poll_fd, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t got = ::read(out_fd_, pending_.data + filled_, size - filled_);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got <= 0) {
      // End of the pipe: ffmpeg ended. Its stderr says why.
      const int status = reap(std::chrono::milliseconds(2000));
      std::string fallback = "ffmpeg ended the stream";
      if (status >= 0) {
        if (WIFEXITED(status)) fallback += " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
        if (WIFSIGNALED(status)) fallback += " (signal " + std::to_string(WTERMSIG(status)) + ")";
      }
      // Give the stderr thread a moment to read ffmpeg's last words.
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::milliseconds(1000), [this] { return stderr_closed_; });
      lock.unlock();
      const std::string text = failure_text(fallback);
      std::lock_guard relock(mutex_);
      error_ = text;
      return ReadStatus::kError;
    }
    filled_ += static_cast<size_t>(got);
  }
  if (filled_ < size) {
    std::lock_guard lock(mutex_);
    error_ = std::string("reading from ffmpeg: ") + std::strerror(errno);
    return ReadStatus::kError;
  }
  frame.bgr = pending_;
  frame.decoded_at = Clock::now();
  frame.sequence = ++sequence_;
  pending_ = cv::Mat();
  filled_ = 0;
  return ReadStatus::kFrame;
}

bool FfmpegProcessSource::restart_without_skipping() {
  close();  // first: the stderr thread reads skip_references_
  skip_references_ = false;
  // Like the supervisor's own lines: the runner's stderr is its log.
  std::cerr << "[stream ffmpeg_all] too few reference frames to skip the others at " << options_.target_fps
            << " fps: restarting ffmpeg decoding every frame" << std::endl;
  return open(url_, options_, stop_);
}

bool FfmpegProcessSource::skipping_references() const {
  std::lock_guard lock(mutex_);
  return pid_ > 0 && skip_references_ && options_.target_fps > 0 && !skipping_stopped();
}

long long FfmpegProcessSource::frames_decoded_while_skipping() const {
  std::lock_guard lock(mutex_);
  return skipped_decoded_;
}

int FfmpegProcessSource::reap(std::chrono::milliseconds wait) {
  if (pid_ <= 0) return exit_status_;
  const auto deadline = Clock::now() + wait;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || (done < 0 && errno == ECHILD)) {
      exit_status_ = done == pid_ ? status : -1;
      pid_ = -1;
      return exit_status_;
    }
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void FfmpegProcessSource::close() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exit_status_ = status;
    pid_ = -1;
  }
  if (out_fd_ >= 0) {
    ::close(out_fd_);
    out_fd_ = -1;
  }
  // ffmpeg is dead, so its stderr reaches end of file and the thread ends.
  if (stderr_thread_.joinable()) stderr_thread_.join();
  pending_ = cv::Mat();
  filled_ = 0;
}

std::string FfmpegProcessSource::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::vector<std::string> FfmpegProcessSource::stderr_tail() const {
  std::lock_guard lock(mutex_);
  return {tail_.begin(), tail_.end()};
}

std::string FfmpegProcessSource::failure_text(const std::string& fallback) {
  std::lock_guard lock(mutex_);
  if (stderr_error_.kind != StreamErrorKind::kNone) return stderr_error_.message;
  // Unknown failure: the last line ffmpeg wrote is the best explanation.
  for (auto it = tail_.rbegin(); it != tail_.rend(); ++it) {
    if (it->find("Exiting normally") != std::string::npos || it->empty()) continue;
    return fallback + ": " + *it;
  }
  return fallback;
}

void FfmpegProcessSource::drain_stderr(int fd) {
  std::string buffer;
  char chunk[4096];
  while (true) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    buffer.append(chunk, static_cast<size_t>(got));
    size_t start = 0;
    for (size_t end; (end = buffer.find_first_of("\r\n", start)) != std::string::npos; start = end + 1) {
      if (end > start) handle_stderr_line(buffer.substr(start, end - start));
    }
    buffer.erase(0, start);
    if (buffer.size() > 65536) {  // a runaway line without a newline
      handle_stderr_line(buffer);
      buffer.clear();
    }
  }
  if (!buffer.empty()) handle_stderr_line(buffer);
  ::close(fd);
  {
    std::lock_guard lock(mutex_);
    stderr_closed_ = true;
  }
  changed_.notify_all();
}

void FfmpegProcessSource::handle_stderr_line(const std::string& raw) {
  if (raw.starts_with("[Parsed_showinfo_")) {
    // One frame decoded ("... n: 12 pts: 12288 pts_time:0.48 ..."); its other lines are ignored.
    const size_t at = raw.find(" pts_time:");
    if (at == std::string::npos) return;
    const double pts_time = std::strtod(raw.c_str() + at + 10, nullptr);
    std::lock_guard lock(mutex_);
    ++skipped_decoded_;
    if (skipping_) skipping_->on_decoded(pts_time);  // read() restarts ffmpeg once it is no longer active
    return;
  }
  const StreamError error = classify_ffmpeg_line(raw);
  const std::string line = mask_secrets(raw, url_);
  bool notify = false;
  {
    std::lock_guard lock(mutex_);
    tail_.push_back(line);
    if (tail_.size() > kTailLines) tail_.pop_front();
    if (error.kind != StreamErrorKind::kNone) stderr_error_ = error;
    if (line.starts_with("Output #0")) in_output_section_ = true;
    if (!in_output_section_ && !skipping_ && skip_references_ && options_.target_fps > 0 &&
        line.find("Stream #") != std::string::npos && line.find(": Video: ") != std::string::npos) {
      skipping_.emplace(options_.target_fps, nominal_rate(line));  // inactive: read() restarts ffmpeg
    }
    if (in_output_section_ && width_ == 0 && line.find("Stream #") != std::string::npos &&
        line.find("Video: rawvideo") != std::string::npos) {
      const auto codec_end = line.find("bgr24");
      const auto [width, height] = parse_size(codec_end == std::string::npos ? line : line.substr(codec_end));
      if (width > 0 && height > 0) {
        width_ = width;
        height_ = height;
        notify = true;
      }
    }
  }
  if (notify) changed_.notify_all();
}

}  // namespace bisk

#include "enforcer/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

namespace bisk {
namespace {

std::runtime_error lock_error(const std::string& path, const std::string& what) {
  return std::runtime_error("lock file " + path + ": " + what + ": " + std::strerror(errno));
}

// The pid the holder wrote, or 0 while it has not written one yet.
int read_holder_pid(int fd, const std::string& path) {
  char text[32];
  ssize_t n;
  while ((n = ::pread(fd, text, sizeof text, 0)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw lock_error(path, "cannot read");
  int pid = 0;
  const auto [end, error] = std::from_chars(text, text + n, pid);
  return error == std::errc() && end < text + n && *end == '\n' && pid > 0 ? pid : 0;
}

void write_our_pid(int fd, const std::string& path) {
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) throw lock_error(path, "cannot truncate");
  if (::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    throw lock_error(path, "cannot write");
  if (::fsync(fd) != 0) throw lock_error(path, "cannot fsync");
}

// A lock file root creates (`sudo bisk enforce` with no enforcer running)
// goes to the owner of its directory (/run/bisk belongs to the service
// account), so the service's enforcer can still open it read-write later.
void give_to_directory_owner(int fd, const std::filesystem::path& parent) {
  struct stat directory {};
  if (::geteuid() != 0 || ::stat(parent.empty() ? "." : parent.c_str(), &directory) != 0) return;
  struct stat file {};
  if (::fstat(fd, &file) != 0 || (file.st_uid == directory.st_uid && file.st_gid == directory.st_gid)) return;
  if (file.st_uid == 0) [[maybe_unused]]
    const int ignored = ::fchown(fd, directory.st_uid, directory.st_gid);
}

}  // namespace

std::variant<LockFile, LockFile::Held> LockFile::acquire(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  if (error) throw std::runtime_error("lock file " + path + ": cannot create its directory: " + error.message());
  // O_CLOEXEC: a runner that inherited the fd would keep the lock after its enforcer died.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw lock_error(path, "cannot open");
  LockFile lock(fd);
  give_to_directory_owner(fd, parent);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw lock_error(path, "cannot lock");
    return Held{.holder_pid = read_holder_pid(fd, path)};
  }
  write_our_pid(fd, path);
  return lock;
}

LockFile::LockFile(LockFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

LockFile& LockFile::operator=(LockFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

LockFile::~LockFile() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace bisk

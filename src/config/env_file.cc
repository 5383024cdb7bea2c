#include "config/env_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include "config/config.h"

namespace bisk {
namespace {

constexpr std::string_view kBlanks = " \t";

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_left(std::string_view text) {
  const auto start = text.find_first_not_of(kBlanks);
  return start == std::string_view::npos ? std::string_view() : text.substr(start);
}

std::string_view trim(std::string_view text) {
  text = trim_left(text);
  return text.substr(0, text.find_last_not_of(kBlanks) + 1);
}

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Shell variable names, so that the file can also be sourced.
std::string check_key(std::string_view key) {
  if (key.empty()) return "missing key before '='";
  if (std::isdigit(static_cast<unsigned char>(key[0]))) return "key \"" + std::string(key) + "\" starts with a digit";
  for (size_t i = 0; i < key.size(); ++i) {
    // Only the part up to the bad character is shown: it may run into a value.
    if (!is_key_char(key[i])) {
      return "invalid character '" + std::string(1, key[i]) + "' in key \"" + std::string(key.substr(0, i + 1)) +
             "\" (keys are letters, digits and '_')";
    }
  }
  return "";
}

// The key of an "export KEY=..." line without the "export ".
std::string_view strip_export(std::string_view line) {
  constexpr std::string_view kExport = "export";
  if (line.starts_with(kExport) && line.size() > kExport.size() && is_blank(line[kExport.size()])) {
    return trim_left(line.substr(kExport.size()));
  }
  return line;
}

void append_escaped(char c, std::string* value) {
  switch (c) {
    case 'n':
      value->push_back('\n');
      return;
    case '"':
    case '\\':
      value->push_back(c);
      return;
    default:  // not an escape: kept as written, like the shell does
      value->push_back('\\');
      value->push_back(c);
  }
}

// `text` starts with the opening quote; returns the problem, if any.
std::string parse_quoted(std::string_view text, std::string* value) {
  const char quote = text[0];
  size_t i = 1;
  for (; i < text.size() && text[i] != quote; ++i) {
    if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) {
      append_escaped(text[++i], value);
    } else {
      value->push_back(text[i]);
    }
  }
  if (i == text.size()) return quote == '"' ? "unterminated double quote" : "unterminated single quote";
  const auto rest = trim_left(text.substr(i + 1));
  if (!rest.empty() && rest[0] != '#') return "unexpected text after the closing quote";
  return "";
}

// A '#' starts a comment only after a blank, so "ab#cd" stays whole.
std::string_view strip_comment(std::string_view text) {
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '#' && is_blank(text[i - 1])) return text.substr(0, i);
  }
  return text;
}

// What one line says. An empty key with no problem is a blank or comment line.
struct Line {
  std::string key;
  std::string value;
  std::string problem;
};

Line parse_line(std::string_view text) {
  Line line;
  text = strip_export(trim_left(text));
  if (text.empty() || text[0] == '#') return line;
  const auto equals = text.find('=');
  if (equals == std::string_view::npos) {
    line.problem = "expected KEY=VALUE";
    return line;
  }
  const auto key = trim(text.substr(0, equals));
  line.problem = check_key(key);
  if (!line.problem.empty()) return line;
  line.key = key;
  const auto raw_value = text.substr(equals + 1);
  const auto value = trim_left(raw_value);
  if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
    line.problem = parse_quoted(value, &line.value);
    if (!line.problem.empty()) line.problem = line.key + ": " + line.problem;
  } else {
    line.value = trim(strip_comment(raw_value));
  }
  return line;
}

std::string location(const std::string& path, int line) { return path + ":" + std::to_string(line); }

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

}  // namespace

EnvFile parse_env_file(std::string_view text, const std::string& path) {
  EnvFile file;
  file.path = path;
  std::map<std::string, size_t> index_of_key;
  std::vector<std::string> problems;
  int line_number = 0;
  for (size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto raw = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (raw.ends_with('\r')) raw.remove_suffix(1);  // files edited on Windows
    Line line = parse_line(raw);
    if (!line.problem.empty()) {
      problems.push_back(location(path, line_number) + ": " + line.problem);
      continue;
    }
    if (line.key.empty()) continue;
    const auto [it, inserted] = index_of_key.emplace(line.key, file.entries.size());
    if (inserted) {
      file.entries.push_back({line.key, std::move(line.value), line_number});
      continue;
    }
    EnvFileEntry& entry = file.entries[it->second];
    file.warnings.push_back(location(path, line_number) + ": " + line.key + " is set again (also on line " +
                            std::to_string(entry.line) + "); the later value wins");
    entry.value = std::move(line.value);
    entry.line = line_number;
  }
  if (!problems.empty()) throw ConfigError(join_lines(problems));
  return file;
}

EnvFile read_env_file(const std::string& path) {
  const auto fail = [&path](int error) {
    return ConfigError("cannot read env file " + path + ": " + std::strerror(error));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail(errno);
  std::string text;
  char buffer[4096];
  ssize_t count;
  while ((count = ::read(fd, buffer, sizeof(buffer))) != 0) {
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      const int error = errno;
      ::close(fd);
      throw fail(error);
    }
    text.append(buffer, static_cast<size_t>(count));
  }
  ::close(fd);
  return parse_env_file(text, path);
}

}  // namespace bisk

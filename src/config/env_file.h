// The env file format (SPEC §2): the KEY=VALUE lines the installer writes to
// /etc/bisk/bisk.env and operators edit by hand.
//
//   # comment                     blank lines and lines starting with '#' are ignored
//   export KEY=value              an optional "export " (files shared with shells)
//   KEY=value   # comment         unquoted: trimmed; " #" (blank, then '#') starts a comment
//   KEY=ab#cd                     ... but a '#' inside a word is kept (passwords)
//   KEY="a \"b\" \\ \n # c"       double quotes: escapes \" \\ \n, '#' is literal
//   KEY='a "b" \n # c'            single quotes: everything literal
//
// A key is assigned from its last line; earlier assignments are reported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bisk {

struct EnvFileEntry {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line of the assignment that counts
};

struct EnvFile {
  std::string path;
  std::vector<EnvFileEntry> entries;  // one per key, in order of first appearance
  std::vector<std::string> warnings;  // "path:line: KEY is set again ..."
};

// Throws ConfigError listing every malformed line as "path:line: problem". Values
// are never quoted in messages: they may be secrets.
EnvFile parse_env_file(std::string_view text, const std::string& path);

// Throws ConfigError naming the path and the system's reason when the file
// cannot be read.
EnvFile read_env_file(const std::string& path);

}  // namespace bisk

#include "config/env_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "config/config.h"
#include "testing/test_databases.h"

namespace bisk {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::map<std::string, std::string> values_of(const EnvFile& file) {
  std::map<std::string, std::string> values;
  for (const auto& entry : file.entries) values[entry.key] = entry.value;
  return values;
}

std::string value_of(std::string_view line) {
  const EnvFile file = parse_env_file(line, "test.env");
  EXPECT_EQ(file.entries.size(), 1u) << line;
  return file.entries.empty() ? "<none>" : file.entries[0].value;
}

// The message of the ConfigError that `read` throws.
template <typename Read>
std::string error_from(Read read) {
  try {
    read();
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no ConfigError";
  return "";
}

std::string error_of(std::string_view text) {
  return error_from([text] { parse_env_file(text, "/etc/bisk/bisk.env"); });
}

// The example file of the original's operations guide (section 4), verbatim.
constexpr std::string_view kOpsGuideExample =
    "DJANGO_SETTINGS_MODULE=bisk.settings\n"
    "BISK_RUNNER_IMPL=ffmpeg_all        # ffmpeg_all | ffmpeg_one\n"
    "BISK_STRICT_BINARIES=1\n"
    "\n"
    "# Heartbeat envs consumed by settings.py\n"
    "BISK_HEARTBEAT_URL=http://127.0.0.1:8000/api/runner/heartbeat/\n"
    "BISK_HEARTBEAT_KEY=dev-key-change-me\n"
    "\n"
    "# Optional overrides:\n"
    "# BISK_SNAPSHOT_DIR=\n"
    "# BISK_GPU_INDEX=\n"
    "# BISK_FFPROBE_BIN=\n"
    "# BISK_FFMPEG_BIN=\n";

TEST(EnvFileTest, ParsesTheOpsGuideExample) {
  const EnvFile file = parse_env_file(kOpsGuideExample, "/etc/bisk/bisk.env");
  EXPECT_EQ(file.path, "/etc/bisk/bisk.env");
  EXPECT_EQ(values_of(file), (std::map<std::string, std::string>{
                                 {"DJANGO_SETTINGS_MODULE", "bisk.settings"},
                                 {"BISK_RUNNER_IMPL", "ffmpeg_all"},
                                 {"BISK_STRICT_BINARIES", "1"},
                                 {"BISK_HEARTBEAT_URL", "http://127.0.0.1:8000/api/runner/heartbeat/"},
                                 {"BISK_HEARTBEAT_KEY", "dev-key-change-me"},
                             }));
  EXPECT_THAT(file.warnings, IsEmpty());
}

TEST(EnvFileTest, KeepsFileOrderAndLineNumbers) {
  const EnvFile file = parse_env_file(kOpsGuideExample, "x.env");
  std::vector<std::pair<std::string, int>> order;
  for (const auto& entry : file.entries) order.emplace_back(entry.key, entry.line);
  EXPECT_THAT(order, ElementsAre(std::pair<std::string, int>{"DJANGO_SETTINGS_MODULE", 1},
                                 std::pair<std::string, int>{"BISK_RUNNER_IMPL", 2},
                                 std::pair<std::string, int>{"BISK_STRICT_BINARIES", 3},
                                 std::pair<std::string, int>{"BISK_HEARTBEAT_URL", 6},
                                 std::pair<std::string, int>{"BISK_HEARTBEAT_KEY", 7}));
}

TEST(EnvFileTest, IgnoresBlankAndCommentLines) {
  const EnvFile file = parse_env_file("\n   \n\t\n# A=1\n   # B=2\n\t#C=3\n#\nD=4\n", "x.env");
  EXPECT_EQ(values_of(file), (std::map<std::string, std::string>{{"D", "4"}}));
  EXPECT_EQ(file.entries[0].line, 8);
}

TEST(EnvFileTest, EmptyTextHasNoEntries) { EXPECT_THAT(parse_env_file("", "x.env").entries, IsEmpty()); }

TEST(EnvFileTest, LastLineNeedsNoNewline) { EXPECT_EQ(value_of("A=1"), "1"); }

TEST(EnvFileTest, AcceptsWindowsLineEndings) {
  const EnvFile file = parse_env_file("A=1\r\nB=\"two\"\r\n# c\r\n", "x.env");
  EXPECT_EQ(values_of(file), (std::map<std::string, std::string>{{"A", "1"}, {"B", "two"}}));
}

TEST(EnvFileTest, StripsExport) {
  EXPECT_EQ(values_of(parse_env_file("export A=1\nexport\tB=2\n  export   C=3\n", "x.env")),
            (std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}, {"C", "3"}}));
  // Only "export" followed by a blank is the keyword.
  EXPECT_EQ(parse_env_file("exportD=4", "x.env").entries[0].key, "exportD");
  EXPECT_EQ(parse_env_file("export=5", "x.env").entries[0].key, "export");
}

TEST(EnvFileTest, TrimsUnquotedValuesAndKeys) {
  EXPECT_EQ(value_of("A=   spaced value \t "), "spaced value");
  EXPECT_EQ(value_of("  A = 1"), "1");
  EXPECT_EQ(parse_env_file("  A = 1", "x.env").entries[0].key, "A");
}

TEST(EnvFileTest, EmptyValues) {
  EXPECT_EQ(value_of("A="), "");
  EXPECT_EQ(value_of("A=   "), "");
  EXPECT_EQ(value_of("A=\"\""), "");
  EXPECT_EQ(value_of("A=''"), "");
}

TEST(EnvFileTest, BlankThenHashStartsAComment) {
  EXPECT_EQ(value_of("A=ffmpeg_all        # ffmpeg_all | ffmpeg_one"), "ffmpeg_all");
  EXPECT_EQ(value_of("A=value\t# tab before the hash"), "value");
  EXPECT_EQ(value_of("A= # only a comment"), "");
  EXPECT_EQ(value_of("A=two words # comment"), "two words");
}

TEST(EnvFileTest, HashInsideAWordIsKept) {
  EXPECT_EQ(value_of("A=ab#cd"), "ab#cd");
  EXPECT_EQ(value_of("A=#leading"), "#leading");
  EXPECT_EQ(value_of("A=ab#cd # comment"), "ab#cd");
  EXPECT_EQ(value_of("A=postgresql://u:p#w@h/db"), "postgresql://u:p#w@h/db");
}

TEST(EnvFileTest, DoubleQuotes) {
  EXPECT_EQ(value_of("A=\"a # not a comment\""), "a # not a comment");
  EXPECT_EQ(value_of("A=\"  kept spaces  \""), "  kept spaces  ");
  EXPECT_EQ(value_of("A=\"say \\\"hi\\\"\""), "say \"hi\"");
  EXPECT_EQ(value_of("A=\"back\\\\slash\""), "back\\slash");
  EXPECT_EQ(value_of("A=\"two\\nlines\""), "two\nlines");
  EXPECT_EQ(value_of("A=\"it's\""), "it's");
  // Not an escape: kept as written.
  EXPECT_EQ(value_of("A=\"c:\\temp\""), "c:\\temp");
}

TEST(EnvFileTest, SingleQuotesAreLiteral) {
  EXPECT_EQ(value_of("A='a # \"b\" \\n'"), "a # \"b\" \\n");
  EXPECT_EQ(value_of("A='  x  '"), "  x  ");
}

TEST(EnvFileTest, CommentAfterClosingQuote) {
  EXPECT_EQ(value_of("A=\"v\"   # comment"), "v");
  EXPECT_EQ(value_of("A='v'# comment"), "v");
  EXPECT_EQ(value_of("A=  \"v\"  "), "v");
}

TEST(EnvFileTest, QuotesInsideUnquotedValuesAreLiteral) { EXPECT_EQ(value_of("A=a\"b'c"), "a\"b'c"); }

TEST(EnvFileTest, LaterDuplicateWinsWithAWarning) {
  const EnvFile file = parse_env_file("A=first-secret\nB=2\nA=second-secret\n", "/etc/bisk/bisk.env");
  EXPECT_EQ(values_of(file), (std::map<std::string, std::string>{{"A", "second-secret"}, {"B", "2"}}));
  EXPECT_EQ(file.entries[0].key, "A");
  EXPECT_EQ(file.entries[0].line, 3);
  ASSERT_EQ(file.warnings.size(), 1u);
  EXPECT_THAT(file.warnings[0],
              AllOf(HasSubstr("/etc/bisk/bisk.env:3: A is set again"), HasSubstr("line 1"), Not(HasSubstr("secret"))));
}

TEST(EnvFileTest, LineWithoutEqualsSign) {
  EXPECT_EQ(error_of("A=1\nBISK_LISTEN 0.0.0.0:8000\n"), "/etc/bisk/bisk.env:2: expected KEY=VALUE");
}

TEST(EnvFileTest, EmptyKey) { EXPECT_EQ(error_of("=value"), "/etc/bisk/bisk.env:1: missing key before '='"); }

TEST(EnvFileTest, InvalidKeyCharacters) {
  EXPECT_THAT(error_of("\nBISK-LISTEN=1"),
              AllOf(HasSubstr("/etc/bisk/bisk.env:2: invalid character '-' in key \"BISK-\""), HasSubstr("letters")));
  EXPECT_THAT(error_of("1KEY=x"), HasSubstr("/etc/bisk/bisk.env:1: key \"1KEY\" starts with a digit"));
  EXPECT_THAT(error_of("MY KEY=x"), HasSubstr(":1: invalid character ' '"));
}

TEST(EnvFileTest, UnterminatedQuotes) {
  EXPECT_EQ(error_of("A=\"open"), "/etc/bisk/bisk.env:1: A: unterminated double quote");
  EXPECT_EQ(error_of("A='open"), "/etc/bisk/bisk.env:1: A: unterminated single quote");
  EXPECT_EQ(error_of("A=\"ends with backslash\\\""), "/etc/bisk/bisk.env:1: A: unterminated double quote");
}

TEST(EnvFileTest, TextAfterClosingQuote) {
  EXPECT_EQ(error_of("A=\"v\" w"), "/etc/bisk/bisk.env:1: A: unexpected text after the closing quote");
}

TEST(EnvFileTest, ReportsEveryMalformedLine) {
  EXPECT_EQ(error_of("A=1\nnonsense\nB=2\n=3\nC=\"x\n"),
            "/etc/bisk/bisk.env:2: expected KEY=VALUE\n"
            "/etc/bisk/bisk.env:4: missing key before '='\n"
            "/etc/bisk/bisk.env:5: C: unterminated double quote");
}

TEST(EnvFileTest, MalformedLinesDoNotEchoValues) {
  const std::string error = error_of("BISK_HEARTBEAT_KEY=\"hunter2-secret\nhunter3-secret\nPW='x' hunter4-secret");
  EXPECT_THAT(error, AllOf(HasSubstr("BISK_HEARTBEAT_KEY"), Not(HasSubstr("hunter"))));
}

TEST(EnvFileTest, ReadsAFile) {
  testing::TempDir dir;
  std::ofstream(dir.file("bisk.env")) << "A=1 # one\nB='2'\n";
  const EnvFile file = read_env_file(dir.file("bisk.env"));
  EXPECT_EQ(file.path, dir.file("bisk.env"));
  EXPECT_EQ(values_of(file), (std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}}));
}

TEST(EnvFileTest, MissingFileNamesPathAndReason) {
  testing::TempDir dir;
  const std::string path = dir.file("absent.env");
  EXPECT_EQ(error_from([&] { read_env_file(path); }), "cannot read env file " + path + ": No such file or directory");
}

TEST(EnvFileTest, DirectoryIsNotAnEnvFile) {
  testing::TempDir dir;
  EXPECT_EQ(error_from([&] { read_env_file(dir.path()); }), "cannot read env file " + dir.path() + ": Is a directory");
}

TEST(EnvFileTest, ParseErrorsNameTheFile) {
  testing::TempDir dir;
  const std::string path = dir.file("bad.env");
  std::ofstream(path) << "A=1\nbroken\n";
  EXPECT_EQ(error_from([&] { read_env_file(path); }), path + ":2: expected KEY=VALUE");
}

}  // namespace
}  // namespace bisk

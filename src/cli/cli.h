#pragma once

namespace bisk {

// The `bisk` command line. Exit codes: 0 success; 1 the operation failed
// (not found, conflict, database unreachable, a check failed); 2 the command
// line is wrong (unknown flag, invalid value), with a usage message on stderr.
int run_cli(int argc, char** argv);

}  // namespace bisk

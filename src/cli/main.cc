#include "cli/cli.h"

int main(int argc, char** argv) { return bisk::run_cli(argc, argv); }

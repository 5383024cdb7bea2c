// Versioned schema migrations, shared by both backends.
#pragma once

#include <string>
#include <vector>

#include "store/database.h"

namespace bisk {

struct MigrationResult {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // names, e.g. "0001_initial"
};

class Migrator {
 public:
  explicit Migrator(Database& db) : db_(db) {}

  int current_version();
  static int latest_version();
  // Applies every missing migration, each in its own transaction; safe to run
  // twice and from two processes at once. Refuses (kSchema) a database newer
  // than this build.
  MigrationResult migrate();
  // Applies the missing migrations up to `version` only (kInvalid for a version
  // that does not exist): for tests of an upgrade, and stepwise upgrades.
  MigrationResult migrate_to(int version);
  // Throws StoreError(kSchema) "database schema is at version X; this bisk needs
  // Y: run `bisk migrate`" unless the schema is current.
  void require_current();

 private:
  Database& db_;
};

}  // namespace bisk

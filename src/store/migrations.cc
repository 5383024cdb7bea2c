#include "store/migrations.h"

#include <iterator>
#include <string_view>

#include "store/store_support.h"

namespace bisk {
namespace {

struct Migration {
  int version;
  const char* name;
  // Statements separated by ';'. "{id}" stands for the dialect's auto-numbered
  // primary key. '--' comments are stripped, so they may not contain ';'.
  const char* sql;
};

// Versions are 1, 2, ... in order: kMigrations[v] follows version v.
// Conventions, identical on both backends:
// - instants are BIGINT milliseconds since the Unix epoch, in columns named *_at;
// - local calendar dates are TEXT 'YYYY-MM-DD' (they sort and compare as dates);
// - wall-clock times are INTEGER minutes after local midnight (0..1439);
// - booleans are INTEGER 0/1, weekday sets INTEGER masks (bit 0 = Monday);
// - every foreign key column leads an index, so deleting a parent row never scans a child table;
// - history rows (processes, heartbeats) go with their camera or profile.
constexpr Migration kMigrations[] = {
    {1, "0001_initial", R"sql(
CREATE TABLE cameras (
  id {id},
  name TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,  -- may hold credentials: never shown unmasked
  location TEXT NOT NULL DEFAULT '',
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  pause_until_at BIGINT,
  rtsp_transport TEXT NOT NULL DEFAULT 'auto',
  node TEXT  -- NULL: run by the primary enforcer
);

CREATE TABLE stream_profiles (
  id {id},
  name TEXT NOT NULL UNIQUE,
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  fps DOUBLE PRECISION NOT NULL,
  det_set TEXT NOT NULL DEFAULT 'auto',
  rtsp_transport TEXT NOT NULL DEFAULT 'inherit',
  hb_interval INTEGER NOT NULL DEFAULT 10,
  snapshot_every INTEGER NOT NULL DEFAULT 30,
  min_score DOUBLE PRECISION NOT NULL,
  min_face_px INTEGER NOT NULL
);

CREATE TABLE period_templates (
  id {id},
  name TEXT NOT NULL,
  sort_order INTEGER NOT NULL DEFAULT 0,
  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
  weekdays_mask INTEGER NOT NULL CHECK (weekdays_mask BETWEEN 0 AND 127),
  early_grace_minutes INTEGER NOT NULL DEFAULT 0,
  late_grace_minutes INTEGER NOT NULL DEFAULT 0,
  is_enabled INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1))
);

-- A camera with template links runs only during their occurrences; deleting a
-- template or camera removes the link, not the other side.
CREATE TABLE camera_period_templates (
  camera_id BIGINT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  template_id BIGINT NOT NULL REFERENCES period_templates (id) ON DELETE CASCADE,
  PRIMARY KEY (camera_id, template_id)
);
CREATE INDEX camera_period_templates_template ON camera_period_templates (template_id);

CREATE TABLE schedule_policies (
  id {id},
  name TEXT NOT NULL UNIQUE,
  is_enabled INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1))
);

CREATE TABLE policy_cameras (
  policy_id BIGINT NOT NULL REFERENCES schedule_policies (id) ON DELETE CASCADE,
  camera_id BIGINT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  PRIMARY KEY (policy_id, camera_id)
);
CREATE INDEX policy_cameras_camera ON policy_cameras (camera_id);

-- end_minute < start_minute: the window ends on the next day; equal: the whole day.
CREATE TABLE schedule_windows (
  id {id},
  policy_id BIGINT NOT NULL REFERENCES schedule_policies (id) ON DELETE CASCADE,
  day_of_week INTEGER NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),  -- 0 = Monday
  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
  -- A profile cannot vanish from under a schedule: its windows must go first.
  profile_id BIGINT NOT NULL REFERENCES stream_profiles (id) ON DELETE RESTRICT
);
CREATE INDEX schedule_windows_policy ON schedule_windows (policy_id, day_of_week, start_minute);
CREATE INDEX schedule_windows_profile ON schedule_windows (profile_id);

CREATE TABLE schedule_exceptions (
  id {id},
  policy_id BIGINT NOT NULL REFERENCES schedule_policies (id) ON DELETE CASCADE,
  local_date TEXT NOT NULL,
  mode TEXT NOT NULL DEFAULT 'off',
  UNIQUE (policy_id, local_date)
);

-- start_at and end_at have the template's grace applied; end_at is exclusive.
CREATE TABLE period_occurrences (
  id {id},
  template_id BIGINT NOT NULL REFERENCES period_templates (id) ON DELETE CASCADE,
  local_date TEXT NOT NULL,
  start_at BIGINT NOT NULL,
  end_at BIGINT NOT NULL,
  is_school_day INTEGER NOT NULL DEFAULT 1 CHECK (is_school_day IN (0, 1)),
  CHECK (end_at > start_at),
  UNIQUE (template_id, local_date)
);
CREATE INDEX period_occurrences_span ON period_occurrences (start_at, end_at);
CREATE INDEX period_occurrences_date ON period_occurrences (local_date);

-- camera_id NULL is the global row; otherwise the camera's override. Every knob
-- is nullable: NULL means "not decided at this layer".
CREATE TABLE resource_settings (
  id {id},
  camera_id BIGINT UNIQUE REFERENCES cameras (id) ON DELETE CASCADE,
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  device TEXT,
  gpu_index INTEGER,
  hwaccel TEXT,
  cpu_nice INTEGER,
  cpu_affinity TEXT,
  max_fps DOUBLE PRECISION,
  det_set_max TEXT,
  min_face_px INTEGER,
  crop_format TEXT,
  crop_quality INTEGER
);
-- UNIQUE (camera_id) lets any number of NULLs through; this keeps the global row single.
CREATE UNIQUE INDEX resource_settings_global ON resource_settings ((camera_id IS NULL)) WHERE camera_id IS NULL;

-- One row per spawned runner; the newest row of a (camera, profile) pair is its current runner.
CREATE TABLE running_processes (
  id {id},
  camera_id BIGINT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  profile_id BIGINT NOT NULL REFERENCES stream_profiles (id) ON DELETE CASCADE,
  node TEXT NOT NULL,
  pid INTEGER NOT NULL,
  -- The kernel's start time of the process (clock ticks after boot, /proc/PID/stat
  -- field 22): with pid it identifies the process even after its PID is reused.
  process_start_time BIGINT NOT NULL,
  impl TEXT NOT NULL,
  argv_masked TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  lifecycle TEXT NOT NULL
    CHECK (lifecycle IN ('starting', 'running', 'stopping', 'stopped', 'exited', 'failed', 'lost')),
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  exit_code INTEGER,
  exit_signal INTEGER,
  stop_reason TEXT,
  restarts INTEGER NOT NULL DEFAULT 0,
  last_heartbeat_at BIGINT,
  camera_fps DOUBLE PRECISION,
  processed_fps DOUBLE PRECISION,
  target_fps DOUBLE PRECISION,
  latency_ms DOUBLE PRECISION,
  dropped_frames BIGINT,
  detected BIGINT,
  matched BIGINT,
  reconnects BIGINT,
  last_error TEXT,
  last_metrics TEXT  -- the last heartbeat, as JSON
);
CREATE INDEX running_processes_pair ON running_processes (camera_id, profile_id, id);
CREATE INDEX running_processes_lifecycle ON running_processes (lifecycle);
CREATE INDEX running_processes_profile ON running_processes (profile_id);

-- Append-only telemetry, pruned by age.
CREATE TABLE runner_heartbeats (
  id {id},
  camera_id BIGINT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  profile_id BIGINT NOT NULL REFERENCES stream_profiles (id) ON DELETE CASCADE,
  pid INTEGER NOT NULL,
  ts_at BIGINT NOT NULL,
  state TEXT,
  camera_fps DOUBLE PRECISION,
  processed_fps DOUBLE PRECISION,
  target_fps DOUBLE PRECISION,
  dropped_frames BIGINT,
  detected BIGINT,
  matched BIGINT,
  latency_ms DOUBLE PRECISION,
  last_frame_at BIGINT,
  reconnects BIGINT,
  last_error TEXT,
  snapshot_every INTEGER,
  min_face_px INTEGER,
  model TEXT,
  device TEXT
);
CREATE INDEX runner_heartbeats_pair_ts ON runner_heartbeats (camera_id, profile_id, ts_at);
CREATE INDEX runner_heartbeats_ts ON runner_heartbeats (ts_at);
CREATE INDEX runner_heartbeats_profile ON runner_heartbeats (profile_id);

CREATE TABLE students (
  id {id},
  code TEXT NOT NULL UNIQUE,
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1))
);

CREATE TABLE face_templates (
  id {id},
  student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
  embedding TEXT NOT NULL,  -- base64 of little-endian float32 values
  model_id TEXT NOT NULL,
  source_image TEXT NOT NULL DEFAULT '',
  quality DOUBLE PRECISION NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX face_templates_student ON face_templates (student_id);

-- Attendance is evidence: a student who has any cannot be deleted (deactivate
-- instead). A deleted camera or profile leaves the events, without the link.
CREATE TABLE attendance_events (
  id {id},
  student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE RESTRICT,
  camera_id BIGINT REFERENCES cameras (id) ON DELETE SET NULL,
  profile_id BIGINT REFERENCES stream_profiles (id) ON DELETE SET NULL,
  occurrence_id BIGINT REFERENCES period_occurrences (id) ON DELETE SET NULL,
  ts_at BIGINT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  crop_path TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attendance_events_ts ON attendance_events (ts_at);
CREATE INDEX attendance_events_student ON attendance_events (student_id, ts_at);
CREATE INDEX attendance_events_camera ON attendance_events (camera_id);
CREATE INDEX attendance_events_profile ON attendance_events (profile_id);
CREATE INDEX attendance_events_occurrence ON attendance_events (occurrence_id);

-- One row per student and period occurrence. RESTRICT on the occurrence keeps a
-- template (whose delete takes its occurrences) from erasing attendance.
CREATE TABLE attendance_records (
  id {id},
  student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE RESTRICT,
  occurrence_id BIGINT NOT NULL REFERENCES period_occurrences (id) ON DELETE RESTRICT,
  first_seen_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  best_seen_at BIGINT NOT NULL,
  best_score DOUBLE PRECISION NOT NULL,
  best_camera_id BIGINT REFERENCES cameras (id) ON DELETE SET NULL,
  best_crop_path TEXT NOT NULL DEFAULT '',
  sightings INTEGER NOT NULL DEFAULT 1,
  UNIQUE (student_id, occurrence_id)
);
CREATE INDEX attendance_records_occurrence ON attendance_records (occurrence_id);
CREATE INDEX attendance_records_camera ON attendance_records (best_camera_id);

CREATE TABLE users (
  id {id},
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,  -- argon2id, libsodium's encoded form
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  created_at BIGINT NOT NULL
);

-- Only a hash of the token is kept, so a copy of the database grants no logins.
CREATE TABLE user_sessions (
  id {id},
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_expires ON user_sessions (expires_at)
)sql"},
    {2, "0002_serve", R"sql(
-- Sessions from before this migration have an empty token: one that must never match a form's.
ALTER TABLE user_sessions ADD COLUMN csrf_token TEXT NOT NULL DEFAULT '';

-- Bearer tokens for scripts (bisk token create); only a hash is kept, as for sessions.
CREATE TABLE api_tokens (
  id {id},
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One row per enforcer node, rewritten every reconcile: what /dash and /metrics show.
CREATE TABLE enforcer_states (
  node TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  interval_s INTEGER NOT NULL,
  last_run_at BIGINT,
  last_ok_at BIGINT,
  last_error TEXT,
  last_tick_ms DOUBLE PRECISION,
  updated_at BIGINT NOT NULL
);

-- The enforcer's restart state of a pair: backoff after failures, quarantine
-- after a bad configuration (until the pair's spec hash changes).
CREATE TABLE pair_states (
  camera_id BIGINT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  profile_id BIGINT NOT NULL REFERENCES stream_profiles (id) ON DELETE CASCADE,
  node TEXT NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  backoff_until_at BIGINT,
  quarantine_reason TEXT,
  quarantined_spec_hash TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (camera_id, profile_id)
);
CREATE INDEX pair_states_profile ON pair_states (profile_id);

-- What operators ask of the enforcer; the web process only records, the
-- enforcer carries out and marks handled. A request outlives its process row.
CREATE TABLE enforcer_requests (
  id {id},
  kind TEXT NOT NULL CHECK (kind IN ('enforce_now', 'stop', 'restart', 'kill')),
  process_id BIGINT REFERENCES running_processes (id) ON DELETE SET NULL,
  requested_by TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  handled_at BIGINT,
  result TEXT
);
CREATE INDEX enforcer_requests_pending ON enforcer_requests (handled_at, id);
CREATE INDEX enforcer_requests_process ON enforcer_requests (process_id);

-- Counters that tell clients their copy is out of date; 'gallery' is bumped
-- with every change of students or face templates.
CREATE TABLE catalog_versions (
  name TEXT PRIMARY KEY,
  version BIGINT NOT NULL
);
INSERT INTO catalog_versions (name, version) VALUES ('gallery', 1)
)sql"},
};

constexpr int kLatestVersion = std::size(kMigrations);

// The first key of the PostgreSQL advisory lock that serialises migrators: "bisk" in ASCII.
constexpr int kMigrationLockKey = 0x6269736b;

// The migration's statements in the backend's dialect.
std::vector<std::string> statements_of(const Migration& migration, Backend backend) {
  const std::string_view id_column = backend == Backend::kSqlite
                                         ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                         : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  std::string sql;
  std::string_view text = migration.sql;
  while (!text.empty()) {
    const size_t line_end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, line_end);
    line = line.substr(0, line.find("--"));
    sql.append(line).push_back('\n');
    text.remove_prefix(std::min(line_end + 1, text.size()));
  }
  for (size_t at = sql.find("{id}"); at != std::string::npos; at = sql.find("{id}", at)) {
    sql.replace(at, 4, id_column);
  }
  std::vector<std::string> statements;
  size_t begin = 0;
  while (begin < sql.size()) {
    const size_t end = std::min(sql.find(';', begin), sql.size());
    const std::string statement = sql.substr(begin, end - begin);
    if (statement.find_first_not_of(" \n") != std::string::npos) statements.push_back(statement);
    begin = end + 1;
  }
  return statements;
}

bool has_migrations_table(Database& db) {
  int count = 0;
  if (db.backend() == Backend::kSqlite) {
    db.session() << "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        soci::into(count);
  } else {
    db.session() << "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
        soci::into(count);
  }
  return count > 0;
}

int read_version(Database& db) {
  if (!has_migrations_table(db)) return 0;
  std::optional<int> version;
  db.session() << "SELECT max(version) FROM schema_migrations", soci::into(version);
  return version.value_or(0);
}

[[noreturn]] void throw_too_new(int version) {
  throw StoreError(StoreError::Kind::kSchema, "database schema version " + std::to_string(version) +
                                                  " is newer than this bisk (" + std::to_string(kLatestVersion) +
                                                  "); upgrade bisk");
}

// Applies the next missing migration up to `target` in its own transaction;
// false when none is missing.
bool apply_next(Database& db, int target, MigrationResult& result) {
  Transaction transaction(db);
  if (db.backend() == Backend::kPostgres) {
    // Two migrators of one schema queue here; the second then sees the first's work.
    // (Per schema, so that migrators of different schemas do not wait on each other.)
    db.session() << "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) +
                        ", hashtext(current_schema()))";
  }
  if (!has_migrations_table(db)) {
    db.session() << "CREATE TABLE schema_migrations ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
  }
  const int version = read_version(db);
  if (result.applied.empty()) result.from_version = version;
  result.to_version = version;
  if (version > kLatestVersion) throw_too_new(version);
  if (version >= target) return false;

  const Migration& migration = kMigrations[version];
  for (const std::string& statement : statements_of(migration, db.backend())) db.session() << statement;
  // Bound values must outlive the statement, which runs at the end of the full expression.
  const std::string name = migration.name;
  const Instant applied_at = now_instant();
  db.session() << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :applied_at)",
      soci::use(migration.version), soci::use(name), soci::use(applied_at);
  transaction.commit();
  result.applied.push_back(migration.name);
  result.to_version = migration.version;
  return true;
}

}  // namespace

int Migrator::current_version() {
  return with_store_errors(db_, "", [&] { return read_version(db_); });
}

int Migrator::latest_version() { return kLatestVersion; }

MigrationResult Migrator::migrate() { return migrate_to(kLatestVersion); }

MigrationResult Migrator::migrate_to(int version) {
  if (version < 0 || version > kLatestVersion) {
    throw StoreError(StoreError::Kind::kInvalid, "no schema version " + std::to_string(version) + " (latest is " +
                                                     std::to_string(kLatestVersion) + ")");
  }
  return with_store_errors(db_, "", [&] {
    MigrationResult result;
    while (apply_next(db_, version, result)) {
    }
    return result;
  });
}

void Migrator::require_current() {
  const int version = current_version();
  if (version > kLatestVersion) throw_too_new(version);
  if (version < kLatestVersion) {
    throw StoreError(StoreError::Kind::kSchema, "database schema is at version " + std::to_string(version) +
                                                    "; this bisk needs " + std::to_string(kLatestVersion) +
                                                    ": run `bisk migrate`");
  }
}

}  // namespace bisk

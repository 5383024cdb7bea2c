// What `bisk demo` puts into its throwaway database: a camera playing the
// demo video, a profile, a policy and a period that cover the present, two
// enrolled students and an admin account.
#pragma once

#include <string>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "store/database.h"

namespace bisk {

// The files `scripts/fetch_assets.sh` makes (DIR/demo) and the package
// installs (share/bisk/demo).
struct DemoAssets {
  std::string video;         // demo_camera.mp4
  std::string students_dir;  // the students' photos
};

// Throws CommandError naming the missing file and where it comes from.
DemoAssets find_demo_assets(const std::string& dir);

struct DemoSite {
  std::string camera_name;
  std::string period_text;            // "18:55–22:55 every day (Europe/Berlin)"
  std::vector<std::string> students;  // "Grace Hopper (DEMO-1)"
  std::string admin_user;
  std::string admin_password;
};

// Migrates `db` and fills it so that the demo camera is desired at `now` and
// for the next four hours. Throws CommandError when a photo is refused or a
// model is missing.
DemoSite seed_demo_site(Database& db, const Settings& settings, const DemoAssets& assets, Instant now);

}  // namespace bisk

// POST /api/v1/cameras/{id}/test: what ffprobe sees in a camera's stream.
#pragma once

#include <chrono>
#include <string>

#include "domain/entity_json.h"

namespace bisk {

// Runs `ffprobe_bin` (found on PATH when it has no slash) on `url` and
// answers {"ok":true,"streams":[{"index","codec_type","codec","width",
// "height","fps"}]} or {"ok":false,"error":…}; past `timeout` ffprobe is
// killed and the error is "timed out after N s".
//
// The URL may hold a password, which must never appear on a command line
// (SPEC §3): ffprobe reads it from an ffconcat list in a private temporary
// directory (mode 0700, file 0600), removed afterwards. Errors are reported
// with the password masked. `rtsp_transport` other than "auto" is passed as
// an option of the list entry. No shell is involved.
Json probe_stream(const std::string& ffprobe_bin, const std::string& url, const std::string& rtsp_transport,
                  std::chrono::seconds timeout);

}  // namespace bisk

// The cloud collector's state file: the refresh token of the delegated
// sign-in (protected per platform.h); per agent, the last time this
// exporter saw Graph report it active; and the sign-in failure ledger
// (signin_ledger.h: watermark, recent ids, totals per code), so a restart
// forgets none of it and counts no sign-in twice.
// JSON, written to a temporary file created owner-only (0600 on Unix) and
// renamed over the old one, so a crash never leaves half a file.
// Thread-safety: free functions; callers serialise writes to one path.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "collectors/cloud/platform.h"
#include "collectors/cloud/signin_ledger.h"
#include "exporter/util/status.h"

namespace entra_pta::cloud {

struct LastActive {
  std::string machine_name;
  std::chrono::system_clock::time_point when;
};

struct CloudState {
  std::optional<ProtectedSecret> refresh_token;
  std::map<std::string, LastActive> last_active;  // by agent id
  SignInLedger signin_failures;
};

std::string SerializeCloudState(const CloudState& state);
// Malformed content is an error Status naming what is wrong (never quoting
// the token).
StatusOr<CloudState> ParseCloudState(const std::string& text);

// A missing file is an empty state; an unreadable or malformed one an error.
StatusOr<CloudState> LoadCloudState(const std::string& path);
Status SaveCloudState(const std::string& path, const CloudState& state);

// Read-modify-write under an exclusive lock file (<path>.lock, created
// atomically; a lock older than 30 s is taken to be left over by a crash),
// so the exporter and `graph login` never lose each other's changes. An
// unreadable state file is an error unless `replace_unreadable` (then
// `change` starts from an empty state).
Status UpdateCloudState(const std::string& path,
                        const std::function<void(CloudState&)>& change,
                        bool replace_unreadable = false);

}  // namespace entra_pta::cloud

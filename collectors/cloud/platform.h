// What the cloud collector needs from the operating system, chosen by CMake:
// platform_posix.cc (Unix: the state file's 0600 mode protects the refresh
// token; gethostname) and platform_windows.cc (DPAPI CryptProtectData bound
// to the exporter's account; GetComputerNameExW).
// Thread-safety: every function may be called from any thread.
#pragma once

#include <string>

#include "exporter/util/status.h"

namespace entra_pta::cloud {

struct ProtectedSecret {
  std::string protection;  // "dpapi" or "file-mode"
  std::string data;        // what goes into the state file
};

// Protects a secret for storage in the state file, and back. Unprotect
// refuses a protection this platform cannot undo.
StatusOr<ProtectedSecret> ProtectSecret(const std::string& secret);
StatusOr<std::string> UnprotectSecret(const ProtectedSecret& stored);

// Creates `path` new and empty, accessible to its owner only from the
// first instant (Unix: mode 0600 at creation, so no other account can open
// it before the secret is written; Windows: created exclusively, under the
// state directory's ACL, and the secret inside is DPAPI-protected).
// Fails if `path` exists.
Status CreateOwnerOnlyFile(const std::string& path);

// Where the state file lives unless configured.
std::string DefaultStateFile();

// This machine's host name (as the PTA agent registers it), lower case.
std::string LocalMachineName();

}  // namespace entra_pta::cloud

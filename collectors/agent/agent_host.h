// AgentHost: what the agent collector reads from the Windows host besides
// plain files: an executable's file version (GetFileVersionInfo), the
// agent's registry ids and a certificate in the LocalMachine store. The
// Windows backend is agent_host_windows.cc; the other backend reports that
// this OS has none of these. Tests use a fake. This header must stay free of
// Windows and Prometheus headers: the Windows backend is also cross-compiled
// on its own for the Wine tests.
// Thread-safety: one call at a time per object.
#pragma once

#include <memory>
#include <string>

#include "exporter/util/status.h"

namespace entra_pta::agent {

struct FileVersion {
  std::string version;            // "1.5.2482.0" (the fixed file version)
  double last_write_seconds = 0;  // Unix time the file was last written
};

struct AgentIds {
  std::string instance_id;
  std::string tenant_id;
};

class AgentHost {
 public:
  virtual ~AgentHost() = default;

  // The file version resource of the executable at `path` (UTF-8).
  virtual Status ReadFileVersion(const std::string& path, FileVersion& out) = 0;

  // The InstanceID and TenantID string values of HKLM\`key` (64-bit view).
  virtual Status ReadRegistryIds(const std::string& key, AgentIds& out) = 0;

  // NotAfter (Unix seconds) of the certificate whose SHA-1 thumbprint is
  // `thumbprint_hex` (40 hex digits) in the LocalMachine "MY" store (or the
  // current user's when `user_store`).
  virtual Status FindCertificateNotAfter(const std::string& thumbprint_hex,
                                         bool user_store,
                                         double& not_after_seconds) = 0;
};

// Whether this build has a real backend (true only on Windows).
bool AgentHostSupported();

// The backend of this OS.
std::unique_ptr<AgentHost> MakeSystemAgentHost();

}  // namespace entra_pta::agent

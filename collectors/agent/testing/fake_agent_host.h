// FakeAgentHost: an AgentHost answering from fields the test sets.
// Test-only. Thread-safety: none; one test thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "collectors/agent/agent_host.h"

namespace entra_pta::agent::testing {

class FakeAgentHost final : public AgentHost {
 public:
  std::map<std::string, FileVersion> files;    // path -> version
  std::map<std::string, AgentIds> registry;    // key -> ids
  std::map<std::string, double> certificates;  // thumbprint -> NotAfter
  std::optional<bool> last_user_store;

  Status ReadFileVersion(const std::string& path, FileVersion& out) override {
    auto it = files.find(path);
    if (it == files.end()) {
      return Status::Error("cannot read the file version of " + path +
                           ": the file does not exist");
    }
    out = it->second;
    return Status::Ok();
  }
  Status ReadRegistryIds(const std::string& key, AgentIds& out) override {
    auto it = registry.find(key);
    if (it == registry.end()) {
      return Status::Error("registry key HKLM\\" + key + " does not exist");
    }
    out = it->second;
    return Status::Ok();
  }
  Status FindCertificateNotAfter(const std::string& thumbprint, bool user_store,
                                 double& not_after) override {
    last_user_store = user_store;
    auto it = certificates.find(thumbprint);
    if (it == certificates.end()) {
      return Status::Error("no certificate with thumbprint " + thumbprint);
    }
    not_after = it->second;
    return Status::Ok();
  }
};

}  // namespace entra_pta::agent::testing

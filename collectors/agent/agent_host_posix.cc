// The agent host backend for systems other than Windows: every call fails
// with a message saying so; the collector reports it (and is disabled by
// default).
#include "collectors/agent/agent_host.h"

namespace entra_pta::agent {
namespace {

Status Unsupported(const char* what) {
  return Status::Error(std::string(what) + " is unsupported on this OS");
}

class UnsupportedAgentHost final : public AgentHost {
 public:
  Status ReadFileVersion(const std::string&, FileVersion&) override {
    return Unsupported("reading a Windows file version");
  }
  Status ReadRegistryIds(const std::string&, AgentIds&) override {
    return Unsupported("the Windows registry");
  }
  Status FindCertificateNotAfter(const std::string&, bool, double&) override {
    return Unsupported("the Windows certificate store");
  }
};

}  // namespace

bool AgentHostSupported() { return false; }

std::unique_ptr<AgentHost> MakeSystemAgentHost() {
  return std::make_unique<UnsupportedAgentHost>();
}

}  // namespace entra_pta::agent

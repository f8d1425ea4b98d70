// libFuzzer target: the PTA agent's AzureADConnectAuthenticationAgentService
// .exe.config (<defaultProxy>), and what the endpoint collector then does
// with it: ChooseProxy for a real target, which evaluates the file's
// <bypasslist> expressions. Invariant: errors are located and never quote
// an attribute value (the proxy address may carry a password).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "collectors/probe/agent_proxy_config.h"
#include "collectors/probe/endpoint_settings.h"
#include "collectors/probe/proxy_choice.h"

namespace probe = entra_pta::probe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string xml(reinterpret_cast<const char*>(data), size);
  const auto parsed = probe::ParseAgentProxyConfig(xml);
  if (!parsed.ok()) {
    if (parsed.status().ok() || parsed.status().message().empty()) {
      __builtin_trap();
    }
    return 0;
  }
  const probe::AgentProxy& agent = *parsed;
  static const std::optional<probe::Target> target = [] {
    std::string error;
    return probe::ParseTargetUrl(
        "login", "https://login.microsoftonline.com/common/discovery", &error);
  }();
  if (!target) __builtin_trap();
  probe::ProxySettings settings;
  settings.from_environment = false;
  settings.from_agent_config = true;
  const probe::ProxyDecision decision =
      probe::ChooseProxy(*target, settings, agent,
                         [](const std::string&) -> std::optional<std::string> {
                           return std::nullopt;
                         });
  if (!decision.proxy_url.empty() && decision.proxy_url != agent.address) {
    __builtin_trap();
  }
  (void)probe::RedactProxyUrl(agent.address);
  return 0;
}

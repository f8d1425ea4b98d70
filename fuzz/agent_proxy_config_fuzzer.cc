// libFuzzer target: the PTA agent's AzureADConnectAuthenticationAgentService
// .exe.config (<defaultProxy>), and what the endpoint collector then does
// with it: ChooseProxy for a real target, which evaluates the file's
// <bypasslist> expressions. Invariant: errors are located and never quote
// an attribute value (the proxy address may carry a password).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "collectors/probe/agent_proxy_config.h"
#include "collectors/probe/endpoint_settings.h"
#include "collectors/probe/proxy_choice.h"

namespace endpoint = entra_pta::endpoint;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string xml(reinterpret_cast<const char*>(data), size);
  const auto parsed = endpoint::ParseAgentProxyConfig(xml);
  if (const auto* status = std::get_if<entra_pta::Status>(&parsed)) {
    if (status->ok() || status->message().empty()) __builtin_trap();
    return 0;
  }
  const auto& agent = std::get<endpoint::AgentProxy>(parsed);
  static const std::optional<endpoint::Target> target = [] {
    std::string error;
    return endpoint::ParseTargetUrl(
        "login", "https://login.microsoftonline.com/common/discovery", &error);
  }();
  if (!target) __builtin_trap();
  endpoint::ProxySettings settings;
  settings.from_environment = false;
  settings.from_agent_config = true;
  const endpoint::ProxyDecision decision = endpoint::ChooseProxy(
      *target, settings, agent,
      [](const std::string&) -> std::optional<std::string> {
        return std::nullopt;
      });
  if (!decision.proxy_url.empty() && decision.proxy_url != agent.address) {
    __builtin_trap();
  }
  (void)endpoint::RedactProxyUrl(agent.address);
  return 0;
}

// Which proxy a probe goes through, decided the way the agent and curl
// decide it: an explicit proxy_url first, then the agent's own .exe.config
// proxy, then the proxy environment variables; NO_PROXY-style exclusions
// apply to all of them. Pure functions, so every rule is unit-tested.
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "collectors/probe/endpoint_settings.h"

namespace entra_pta::probe {

// True when `host` is excluded by `no_proxy` (curl's syntax: comma or
// space separated names; "*" excludes everything; "example.com" and
// ".example.com" both exclude example.com and its subdomains; an IP
// address matches only itself).
bool NoProxyMatches(const std::string& no_proxy, const std::string& host);

// The proxy URL without user information, for labels and logs
// ("http://user:secret@proxy:3128" -> "http://proxy:3128").
std::string RedactProxyUrl(const std::string& proxy_url);

// The proxy the agent itself is configured with (see agent_proxy_config.h).
struct AgentProxy {
  std::string address;                   // empty: the agent goes direct
  bool bypass_on_local = false;          // skip for dotless (local) hosts
  std::vector<std::string> bypass_list;  // .NET regular expressions
};

using EnvironmentLookup =
    std::function<std::optional<std::string>(const std::string&)>;

struct ProxyDecision {
  std::string proxy_url;  // empty: direct
  // Where the decision came from: "config", "agent_config", "environment"
  // or "none"; shown in logs.
  std::string source;
};

// Decides for one target. `agent` is set only when proxy_from_agent_config
// is on and the agent's file was read.
ProxyDecision ChooseProxy(const Target& target, const ProxySettings& settings,
                          const std::optional<AgentProxy>& agent,
                          const EnvironmentLookup& environment);

// The process environment, for ChooseProxy.
std::optional<std::string> ProcessEnvironment(const std::string& name);

}  // namespace entra_pta::probe

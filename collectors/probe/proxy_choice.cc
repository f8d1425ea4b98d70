#include "collectors/probe/proxy_choice.h"

#include <cctype>
#include <cstdlib>

#include "exporter/util/ascii.h"

namespace entra_pta::probe {
namespace {

std::string Trim(const std::string& text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  std::size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

bool EndsWithDomain(const std::string& host, const std::string& domain) {
  if (host == domain) return true;
  return host.size() > domain.size() &&
         host.compare(host.size() - domain.size(), domain.size(), domain) ==
             0 &&
         host[host.size() - domain.size() - 1] == '.';
}

std::optional<std::string> FirstSet(const EnvironmentLookup& environment,
                                    std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::optional<std::string> value = environment(name);
    if (value && !Trim(*value).empty()) return Trim(*value);
  }
  return std::nullopt;
}

bool AgentBypasses(const AgentProxy& agent, const Target& target) {
  if (agent.bypass_on_local &&
      (target.host.find('.') == std::string::npos ||
       target.host == "127.0.0.1" || target.host == "::1")) {
    return true;
  }
  for (const std::string& pattern : agent.bypass_list) {
    try {
      // .NET matches its bypass expressions against the request URI.
      if (std::regex_search(target.url,
                            std::regex(pattern, std::regex::ECMAScript |
                                                    std::regex::icase))) {
        return true;
      }
    } catch (const std::regex_error&) {
      // An expression .NET accepts but ECMAScript does not: not a bypass.
    }
  }
  return false;
}

}  // namespace

bool NoProxyMatches(const std::string& no_proxy, const std::string& host) {
  const std::string lower_host = AsciiLower(host);
  std::size_t pos = 0;
  while (pos <= no_proxy.size()) {
    std::size_t end = no_proxy.find_first_of(", ", pos);
    if (end == std::string::npos) end = no_proxy.size();
    std::string entry = AsciiLower(Trim(no_proxy.substr(pos, end - pos)));
    pos = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '.') entry.erase(0, 1);
    if (!entry.empty() && entry.front() == '[' && entry.back() == ']') {
      entry = entry.substr(1, entry.size() - 2);
    }
    if (!entry.empty() && EndsWithDomain(lower_host, entry)) return true;
  }
  return false;
}

std::string RedactProxyUrl(const std::string& proxy_url) {
  const std::size_t scheme_end = proxy_url.find("://");
  const std::size_t authority_start =
      scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t authority_end = proxy_url.find('/', authority_start);
  if (authority_end == std::string::npos) authority_end = proxy_url.size();
  const std::size_t at = proxy_url.rfind('@', authority_end);
  if (at == std::string::npos || at < authority_start) return proxy_url;
  return proxy_url.substr(0, authority_start) + proxy_url.substr(at + 1);
}

ProxyDecision ChooseProxy(const Target& target, const ProxySettings& settings,
                          const std::optional<AgentProxy>& agent,
                          const EnvironmentLookup& environment) {
  ProxyDecision none{"", "none"};
  if (!settings.no_proxy.empty() &&
      NoProxyMatches(settings.no_proxy, target.host)) {
    return none;
  }
  if (!settings.proxy_url.empty()) return {settings.proxy_url, "config"};
  if (agent) {
    if (agent->address.empty() || AgentBypasses(*agent, target)) return none;
    return {agent->address, "agent_config"};
  }
  if (!settings.from_environment) return none;
  if (auto env_no_proxy = FirstSet(environment, {"no_proxy", "NO_PROXY"});
      env_no_proxy && NoProxyMatches(*env_no_proxy, target.host)) {
    return none;
  }
  // Like curl: http_proxy only in lower case (HTTP_PROXY can be set by a
  // CGI request header), the others in either case.
  std::optional<std::string> proxy =
      target.scheme == "https"
          ? FirstSet(environment, {"https_proxy", "HTTPS_PROXY"})
          : FirstSet(environment, {"http_proxy"});
  if (!proxy) proxy = FirstSet(environment, {"all_proxy", "ALL_PROXY"});
  if (!proxy) return none;
  return {*proxy, "environment"};
}

std::optional<std::string> ProcessEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace entra_pta::probe

#include "collectors/probe/endpoint_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_set>

#include "exporter/util/ascii.h"

namespace entra_pta::probe {
namespace {

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           c == '-' || c == '.';
  });
}

bool IsValidHost(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
           c == '.' || c == ':' || c == '_';
  });
}

Target Make(std::string name, const std::string& url, bool bootstrap = false) {
  std::string error;
  std::optional<Target> target = ParseTargetUrl(name, url, &error);
  // Only called with the constant URLs below and GUID-derived hosts.
  target->is_bootstrap = bootstrap;
  return *target;
}

}  // namespace

std::optional<Target> ParseTargetUrl(const std::string& name,
                                     const std::string& url,
                                     std::string* error) {
  Target target;
  target.name = name;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    *error = "expected an absolute http:// or https:// URL";
    return std::nullopt;
  }
  target.scheme = AsciiLower(url.substr(0, scheme_end));
  if (target.scheme != "http" && target.scheme != "https") {
    *error = "unsupported scheme \"" + target.scheme + "\" (use http or https)";
    return std::nullopt;
  }
  const std::size_t authority_start = scheme_end + 3;
  std::size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string::npos) authority_end = url.size();
  std::string authority =
      url.substr(authority_start, authority_end - authority_start);
  std::string rest = url.substr(authority_end);
  if (authority.find('@') != std::string::npos) {
    *error = "user information in a target URL is not supported";
    return std::nullopt;
  }
  if (rest.find('#') != std::string::npos) {
    *error = "a target URL cannot have a fragment";
    return std::nullopt;
  }
  std::string host = authority;
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) {
      *error = "unterminated [IPv6] host";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        *error = "unexpected text after the [IPv6] host";
        return std::nullopt;
      }
      port_text = authority.substr(close + 2);
    }
  } else if (const std::size_t colon = authority.rfind(':');
             colon != std::string::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  host = AsciiLower(host);
  if (!IsValidHost(host)) {
    *error = "invalid host \"" + host + "\"";
    return std::nullopt;
  }
  target.host = host;
  target.port = target.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() ||
        port < 1 || port > 65535) {
      *error = "invalid port \"" + port_text + "\"";
      return std::nullopt;
    }
    target.port = port;
  }
  target.url = url;
  if (rest.empty()) target.url += "/";
  return target;
}

std::vector<Target> DefaultTargets(const TenantSettings& tenant) {
  const bool us_gov = tenant.cloud == Cloud::kAzureUSGovernment;
  const std::string appproxy = us_gov ? "msappproxy.us" : "msappproxy.net";
  std::vector<Target> targets;
  if (!tenant.id.empty()) {
    targets.push_back(Make(
        "bootstrap",
        "https://" + tenant.id + ".pta.bootstrap.his." + appproxy + "/", true));
    targets.push_back(
        Make("registration",
             "https://" + tenant.id + ".registration." + appproxy + "/"));
  }
  if (us_gov) {
    targets.push_back(Make("login", "https://login.microsoftonline.us/"));
    targets.push_back(Make("crl_microsoft", "http://crl.microsoft.us/"));
    targets.push_back(Make("ocsp_msocsp", "http://ocsp.msocsp.us/"));
  } else {
    targets.push_back(Make("login", "https://login.microsoftonline.com/"));
    targets.push_back(Make("login_windows", "https://login.windows.net/"));
    targets.push_back(
        Make("autologon", "https://autologon.microsoftazuread-sso.com/"));
    targets.push_back(Make("crl_microsoft", "http://crl.microsoft.com/"));
    targets.push_back(
        Make("oneocsp_microsoft", "http://oneocsp.microsoft.com/"));
    targets.push_back(Make("ocsp_msocsp", "http://ocsp.msocsp.com/"));
  }
  targets.push_back(Make("crl3_digicert", "http://crl3.digicert.com/"));
  targets.push_back(Make("ocsp_digicert", "http://ocsp.digicert.com/"));
  return targets;
}

std::string ServiceBusHost(const std::string& name_or_host, Cloud cloud) {
  if (name_or_host.find('.') != std::string::npos)
    return AsciiLower(name_or_host);
  return AsciiLower(name_or_host) + (cloud == Cloud::kAzureUSGovernment
                                         ? ".servicebus.usgovcloudapi.net"
                                         : ".servicebus.windows.net");
}

namespace {

// The proxy keys: an explicit proxy, or where to find the agent's.
void ParseProxySettings(const ConfigSection& section, ProxySettings& proxy) {
  if (auto proxy_url = section.String("proxy_url")) {
    const std::string lower = AsciiLower(*proxy_url);
    if (lower.rfind("http://", 0) != 0) {
      // Never echo the value: it may carry a password.
      section.Fail("proxy_url",
                   section.path() +
                       ".proxy_url: expected an http:// proxy URL "
                       "(HTTPS CONNECT proxies are reached over http://)");
    }
    proxy.proxy_url = *proxy_url;
  }
  if (auto no_proxy = section.String("no_proxy")) {
    proxy.no_proxy = *no_proxy;
  }
  if (auto env = section.Bool("proxy_from_environment")) {
    proxy.from_environment = *env;
  }
  if (auto agent = section.Bool("proxy_from_agent_config")) {
    proxy.from_agent_config = *agent;
  }
  if (auto file = section.String("agent_config_file")) {
    proxy.agent_config_file = *file;
  }
}

}  // namespace

EndpointSettings ParseEndpointSettings(const ConfigSection& section,
                                       const TenantSettings& tenant) {
  EndpointSettings settings;
  const bool defaults = section.Bool("default_targets").value_or(true);
  if (defaults) settings.targets = DefaultTargets(tenant);

  // Names in use, in a hash set: checking each new target against every
  // earlier one would make a long targets list quadratic.
  std::unordered_set<std::string> names;
  for (const Target& target : settings.targets) names.insert(target.name);
  auto add = [&](const ConfigSection& where, const std::string& key,
                 Target target) {
    if (!names.insert(target.name).second) {
      where.Fail(key, where.path() + "." + key + ": endpoint name \"" +
                          target.name +
                          "\" is already used (by a default target or an "
                          "earlier entry)");
    }
    settings.targets.push_back(std::move(target));
  };

  if (auto namespaces = section.StringList(
          "service_bus_namespaces",
          [](const std::string& item) -> std::optional<std::string> {
            if (!IsValidHost(item) || item.find(':') != std::string::npos) {
              return "invalid Service Bus namespace \"" + item + "\"";
            }
            return std::nullopt;
          })) {
    for (const std::string& ns : *namespaces) {
      const std::string host = ServiceBusHost(ns, tenant.cloud);
      std::string label = "servicebus_" + host.substr(0, host.find('.'));
      add(section, "service_bus_namespaces",
          Make(label, "https://" + host + "/"));
    }
  }

  if (auto targets = section.SectionList("targets")) {
    for (const ConfigSection& item : *targets) {
      std::optional<std::string> name = item.String("name");
      std::optional<std::string> url = item.String("url");
      if (!name) item.Fail("name", item.path() + ".name: a value is required");
      if (!url) item.Fail("url", item.path() + ".url: a value is required");
      if (!IsValidName(*name)) {
        item.Fail("name", item.path() + ".name: invalid endpoint name \"" +
                              *name +
                              "\" (use letters, digits, _ . -; at most 64)");
      }
      std::string error;
      std::optional<Target> target = ParseTargetUrl(*name, *url, &error);
      if (!target) item.Fail("url", item.path() + ".url: " + error);
      target->is_bootstrap = item.Bool("bootstrap").value_or(false);
      item.RejectUnknownKeys();
      add(item, "name", std::move(*target));
    }
  }

  if (auto timeout = section.Duration("timeout")) {
    if (timeout->count() == 0) {
      section.Fail("timeout",
                   section.path() + ".timeout: must be greater than 0");
    }
    settings.timeout = *timeout;
  }
  ParseProxySettings(section, settings.proxy);
  if (auto ca_file = section.String("ca_file")) settings.ca_file = *ca_file;
  return settings;
}

}  // namespace entra_pta::probe

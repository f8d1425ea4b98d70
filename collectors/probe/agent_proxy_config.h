// Reads the proxy the PTA agent is configured with from its
// AzureADConnectAuthenticationAgentService.exe.config, the .NET file in
// which Microsoft documents proxy settings for the agent:
//   <configuration><system.net>
//     <defaultProxy enabled="true" useDefaultCredentials="true">
//       <proxy usesystemdefault="true" proxyaddress="http://proxy:8080"
//              bypassonlocal="true"/>
//       <bypasslist><add address="contoso\.com"/></bypasslist>
//     </defaultProxy>
//   </system.net></configuration>
// The XML is read by exporter/xml (expat: no DTDs, bounded size and depth),
// so hostile or truncated files give a located error.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "collectors/probe/proxy_choice.h"
#include "exporter/util/status.h"

namespace entra_pta::probe {

// Files larger than this are refused (a real one is a few KiB).
inline constexpr std::size_t kMaxAgentConfigBytes = 1 << 20;

// Parses the file's text. Without a <defaultProxy>, or with
// enabled="false", the agent goes direct (empty address). Errors name
// line:column and never echo attribute values (a proxy address may carry a
// password).
StatusOr<AgentProxy> ParseAgentProxyConfig(const std::string& xml);

// Reads and parses `path` (%NAME% references expanded).
StatusOr<AgentProxy> ReadAgentProxyConfig(const std::string& path);

}  // namespace entra_pta::probe

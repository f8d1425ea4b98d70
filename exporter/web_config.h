// The --web.config.file format of the Prometheus exporter-toolkit: parsed
// and validated strictly (located errors, like the main config), so a file
// written for exporter-toolkit is either understood or refused, never half
// applied: the exporter never serves with less protection than the file asks
// for. This release cannot serve TLS (see docs/configuration.md for why).
// Thread-safety: pure functions, startup-time only.
#pragma once

#include <string>

namespace entra_pta {

// This release serves plain HTTP only, so a valid file has nothing to
// apply: these only validate. tls_server_config is checked key by key
// (typos are reported as such) and then refused with its position.
// Both throw ConfigError (file:line:column).
void CheckWebConfigFile(const std::string& path);
void CheckWebConfig(const std::string& yaml_text, const std::string& file_name);

}  // namespace entra_pta

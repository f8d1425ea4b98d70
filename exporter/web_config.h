// The --web.config.file format of the Prometheus exporter-toolkit: parsed
// and validated strictly (located errors, like the main config), so a file
// written for exporter-toolkit is either understood or refused, never half
// applied: the exporter never serves with less protection than the file asks
// for. This release cannot serve TLS (see docs/configuration.md for why).
// Thread-safety: pure functions, startup-time only.
#pragma once

#include <string>

namespace entra_pta {

// What the exporter takes from the file. This release serves plain HTTP
// only, so a valid file has nothing to apply yet; tls_server_config is
// validated (typos are reported as such) and then refused with its position.
struct WebConfig {};

// Reads and validates the file. Throws ConfigError (file:line:column).
WebConfig LoadWebConfigFile(const std::string& path);
WebConfig ParseWebConfig(const std::string& yaml_text,
                         const std::string& file_name);

}  // namespace entra_pta

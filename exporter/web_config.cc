#include "exporter/web_config.h"

#include <algorithm>
#include <vector>

#include "exporter/config_section.h"

namespace entra_pta {

void CheckWebConfig(const std::string& yaml_text,
                    const std::string& file_name) {
  ConfigSection root = ParseConfigRoot(yaml_text, file_name);
  auto tls = root.Section("tls_server_config");
  if (tls) {
    const bool has_cert = tls->String("cert_file").has_value();
    const bool has_key = tls->String("key_file").has_value();
    const auto min_version = tls->String("min_version");
    const std::string auth =
        tls->String("client_auth_type").value_or("NoClientCert");
    const bool has_client_ca = tls->String("client_ca_file").has_value();
    // A misspelt key explains a "missing" one, so unknown keys come first.
    tls->RejectUnknownKeys();
    if (!has_cert)
      tls->Fail("", "tls_server_config.cert_file: a value is required");
    if (!has_key)
      tls->Fail("", "tls_server_config.key_file: a value is required");
    if (min_version && *min_version != "TLS12" && *min_version != "TLS13") {
      tls->Fail("min_version", "tls_server_config.min_version: \"" +
                                   *min_version +
                                   "\" is not allowed (use TLS12 or TLS13)");
    }
    if (auth != "NoClientCert" && auth != "VerifyClientCertIfGiven" &&
        auth != "RequireAndVerifyClientCert") {
      tls->Fail("client_auth_type",
                "tls_server_config.client_auth_type: \"" + auth +
                    "\" is not supported (use NoClientCert, "
                    "VerifyClientCertIfGiven or RequireAndVerifyClientCert)");
    }
    if (auth != "NoClientCert" && !has_client_ca) {
      tls->Fail("client_auth_type",
                "tls_server_config.client_ca_file: required when "
                "client_auth_type is " +
                    auth);
    }
  }
  const std::vector<std::string> keys = root.Keys();
  for (const char* unsupported : {"basic_auth_users", "http_server_config"}) {
    // Only the key is looked at: its value may hold password hashes.
    if (std::find(keys.begin(), keys.end(), unsupported) != keys.end()) {
      root.FailAtKey(unsupported,
                     std::string(unsupported) +
                         " is not supported by this release; remove "
                         "it or put an authenticating proxy in front "
                         "of the exporter");
    }
  }
  root.RejectUnknownKeys();
  if (tls) {
    root.FailAtKey("tls_server_config",
                   "tls_server_config: serving TLS is not supported by this "
                   "release; remove it or put a TLS-terminating proxy in front "
                   "of the exporter");
  }
}

void CheckWebConfigFile(const std::string& path) {
  CheckWebConfig(ReadConfigFile(path, "web configuration file"), path);
}

}  // namespace entra_pta

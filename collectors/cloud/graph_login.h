// `entra_pta_exporter graph login`: the one-time delegated sign-in of the
// cloud collector by the OAuth 2.0 device authorization grant. Prints the
// code and the URL to open, polls the token endpoint until the user has
// signed in, and stores the refresh token (protected, see platform.h) in the
// state file; the running exporter picks it up on its next token renewal.
// Never prints a token.
// Thread-safety: runs on the main thread of its own process.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "collectors/cloud/cloud_collector.h"
#include "collectors/cloud/http_client.h"

namespace entra_pta::cloud {

// The device-code flow with `http`; `sleep` waits between polls. Returns
// the process exit status (0 signed in, 1 failed).
int GraphLogin(const CloudSettings& settings, HttpClient& http,
               std::ostream& out, std::ostream& err,
               const std::function<void(std::chrono::seconds)>& sleep);

// What `graph login` needs from the configuration file: collectors.cloud as
// written (an empty section when absent) and the tenant.
struct CloudConfigSource {
  ConfigSection section;
  TenantSettings tenant;
};
// Loads them from `config_file`; throws ConfigError. The daemon passes its
// configuration loader, which collectors cannot include.
using LoadCloudConfig =
    std::function<CloudConfigSource(const std::string& config_file)>;

// `graph <subcommand> [--config.file=FILE]` from the command line: loads
// the configuration with `load` and runs the subcommand (only `login`).
// Exit status 2 for usage and configuration errors.
int GraphCommandMain(const std::vector<std::string>& args,
                     const LoadCloudConfig& load, std::ostream& out,
                     std::ostream& err);

}  // namespace entra_pta::cloud

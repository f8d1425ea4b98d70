// `entra_pta_exporter health-check`: asks a running exporter for its
// /health page over HTTP on the loopback interface and exits 0 when it
// answers 200. For container HEALTHCHECKs (the image has no curl) and for
// scripts. Never goes through a proxy, whatever the environment says.
// Thread-safety: startup code, called from the main thread.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace entra_pta {

// The /health URL of an exporter listening on `listen_address` (the
// --web.listen-address syntax), reached from the same host: all interfaces
// (":9847", "0.0.0.0:9847") become 127.0.0.1, "[::]" becomes [::1], any
// other host stays as ParseListenAddress gives it ("localhost" is
// 127.0.0.1). nullopt when the address is invalid or its port is 0.
std::optional<std::string> HealthUrlForListenAddress(
    const std::string& listen_address);

// The command, given the arguments after "health-check":
// [--web.listen-address=ADDR] [--timeout=DURATION]. Returns 0 when /health
// answered 200, 1 when it did not (refused, timed out, another status),
// 2 for a flag error. Writes one line to `out` (healthy) or `err`.
int HealthCheckMain(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

}  // namespace entra_pta

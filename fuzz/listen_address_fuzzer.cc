// libFuzzer target: --web.listen-address / web.listen_address.
// Invariant: an accepted address has a port in 0..65535 and a host that is
// empty, an IPv4 literal, or (bracketed) IPv6 text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "exporter/http/listen_address.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto address = entra_pta::ParseListenAddress(text);
  if (!address) return 0;
  if (address->port < 0 || address->port > 65535) __builtin_trap();
  if (address->ipv6 && address->host.empty()) __builtin_trap();
  if (address->host.find('\0') != std::string::npos) __builtin_trap();
  return 0;
}

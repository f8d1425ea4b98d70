// libFuzzer target: DNS answers (any host on the path, or a hostile DNS
// server, writes them) through the domain_controller collector's c-ares
// adapter: ParseSrvAnswer (c-ares's parser plus our normalisation). The
// input is the whole UDP/TCP payload. Invariants: records are bounded by
// the message, SRV targets are lower case without a trailing dot, an error
// has a message; and the bytes as a name are valid only within DNS limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/domain_controller/dns_resolver.h"

namespace dc = entra_pta::domain_controller;

namespace {

bool IsLower(const std::string& name) {
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const auto parsed = dc::ParseSrvAnswer(data, size);
  if (parsed.ok()) {
    // Each record needs at least 11 bytes (name, type, class, TTL, length).
    if (parsed->size() * 11 > size) __builtin_trap();
    for (const dc::SrvRecord& record : *parsed) {
      if (!IsLower(record.target) || record.target.size() > 255 ||
          (!record.target.empty() && record.target.back() == '.')) {
        __builtin_trap();
      }
    }
  } else if (parsed.status().message().empty()) {
    __builtin_trap();
  }
  const std::string_view as_name(reinterpret_cast<const char*>(data), size);
  if (dc::IsValidDnsName(as_name) && size > 254) __builtin_trap();
  return 0;
}

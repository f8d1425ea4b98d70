// libFuzzer target: DNS answers (any host on the path, or a hostile DNS
// server, writes them). The input is the whole UDP/TCP payload; the first
// byte picks the question (SRV or A). Invariants: records are bounded by
// the message, SRV targets and A names are lower case, addresses are dotted
// quads; and for a valid name, our own query with the response bit set
// parses as an empty answer (builder and parser agree).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "collectors/domain_controller/dns_message.h"

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
  if (size == 0) return 0;
  const bool srv = (data[0] & 1) == 0;
  const std::vector<std::uint8_t> message(data + 1, data + size);
  const std::string_view name =
      srv ? "_ldap._tcp.dc._msdcs.contoso.local" : "dc01.contoso.local";
  const auto parsed = dc::ParseDnsResponse(
      message, name, srv ? dc::kDnsTypeSrv : dc::kDnsTypeA);
  if (const auto* response = std::get_if<dc::DnsResponse>(&parsed)) {
    // Each record needs at least 11 bytes (name, type, class, TTL, length).
    if ((response->srv.size() + response->address.size()) * 11 >
        message.size()) {
      __builtin_trap();
    }
    for (const dc::SrvRecord& record : response->srv) {
      if (!IsLower(record.target) || record.target.size() > 255)
        __builtin_trap();
    }
    for (const dc::AddressRecord& record : response->address) {
      if (!IsLower(record.name) || record.ipv4.size() < 7 ||
          record.ipv4.size() > 15) {
        __builtin_trap();
      }
    }
    (void)dc::RcodeDescription(response->rcode);
  } else if (std::get<entra_pta::Status>(parsed).message().empty()) {
    __builtin_trap();
  }

  // The same bytes as a name to query for.
  const std::string_view as_name(reinterpret_cast<const char*>(data + 1),
                                 size - 1);
  if (dc::IsValidDnsName(as_name)) {
    const auto query = dc::BuildDnsQuery(0x1234, as_name, dc::kDnsTypeSrv);
    const auto* bytes = std::get_if<std::vector<std::uint8_t>>(&query);
    if (bytes == nullptr || bytes->size() > dc::kMaxDnsMessageSize) {
      __builtin_trap();
    }
    std::vector<std::uint8_t> answer = *bytes;
    answer[2] |= 0x80;  // QR: a response
    const auto echoed = dc::ParseDnsResponse(answer, as_name, dc::kDnsTypeSrv);
    const auto* response = std::get_if<dc::DnsResponse>(&echoed);
    if (response == nullptr || response->id != 0x1234 ||
        !response->srv.empty() || !response->address.empty()) {
      __builtin_trap();
    }
  } else if (std::holds_alternative<std::vector<std::uint8_t>>(
                 dc::BuildDnsQuery(1, as_name, dc::kDnsTypeA))) {
    __builtin_trap();  // an invalid name must not be queried
  }
  return 0;
}

// DNS wire format for the domain-controller lookup: building a query
// (RFC 1035 with an EDNS0 OPT record, RFC 6891) and parsing the answer into
// SRV records (RFC 2782) and IPv4 addresses. Pure functions on bytes, so
// every malformed or hostile answer can be tested without a network.
// Thread-safety: pure functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta::domain_controller {

inline constexpr std::uint16_t kDnsTypeA = 1;
inline constexpr std::uint16_t kDnsTypeSrv = 33;

// The UDP payload size we advertise (EDNS0) and accept; domains with many
// DCs need more than the classic 512 bytes.
inline constexpr std::size_t kMaxDnsMessageSize = 4096;

// Response codes we name in messages; others are shown as numbers.
inline constexpr int kRcodeNoError = 0;
inline constexpr int kRcodeServFail = 2;
inline constexpr int kRcodeNxDomain = 3;
inline constexpr int kRcodeRefused = 5;

// "NXDOMAIN (the name does not exist)", "SERVFAIL (...)", "RCODE 9", ...
std::string RcodeDescription(int rcode);

// True for a host or domain name we can put in a query: dot-separated
// labels of 1..63 bytes (letters, digits, '-', '_'), at most 253 bytes in
// all, an optional trailing dot.
bool IsValidDnsName(std::string_view name);

// A query for `name` of `type` with the given ID and recursion desired.
// `name` must satisfy IsValidDnsName (checked; an invalid name is an error).
std::variant<std::vector<std::uint8_t>, Status> BuildDnsQuery(
    std::uint16_t id, std::string_view name, std::uint16_t type);

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // lower case, without the trailing dot; "" for "."
};

struct AddressRecord {
  std::string name;  // lower case, without the trailing dot
  std::string ipv4;  // dotted quad
};

struct DnsResponse {
  std::uint16_t id = 0;
  int rcode = 0;
  bool truncated = false;
  std::vector<SrvRecord> srv;          // answer section, type SRV
  std::vector<AddressRecord> address;  // answer and additional, type A
};

// Parses a response to the question (`name`, `type`). Checks the header
// (it is a response, the question echoes ours) and every length and name
// pointer against the message bounds; compression pointers must point
// backwards, so loops are impossible. Records of other types are skipped.
// Any violation is an error Status describing it.
std::variant<DnsResponse, Status> ParseDnsResponse(
    const std::vector<std::uint8_t>& message, std::string_view name,
    std::uint16_t type);

}  // namespace entra_pta::domain_controller

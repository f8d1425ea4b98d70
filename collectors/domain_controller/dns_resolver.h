// DNS lookups of the domain_controller collector, on c-ares: the SRV
// records of the DC locator name and the IPv4 addresses of the DCs, asked
// of the configured name servers in order (or the system's: resolv.conf,
// or the Windows adapters' settings). c-ares retries a truncated UDP answer
// over TCP and moves on to the next server when one fails (SERVFAIL,
// REFUSED, unreachable or silent); our resolver did neither. Every lookup
// ends at its deadline; failures are values with the reason.
// Thread-safety: each lookup uses its own c-ares channel, so calls may run
// concurrently on one DnsResolver.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/domain_controller/network.h"
#include "exporter/util/status.h"

namespace entra_pta::domain_controller {

// True for a host or domain name we can look up: dot-separated labels of
// 1..63 bytes (letters, digits, '-', '_'), at most 253 bytes in all, an
// optional trailing dot.
bool IsValidDnsName(std::string_view name);

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // lower case, without the trailing dot; "" for "."
};

// The outcome of an SRV lookup: more than value-or-error, so not a StatusOr.
// A name that does not exist (NXDOMAIN) is an error that still says "no
// DCs"; no answer at all is an error the caller words with its timeout.
struct SrvLookup {
  Status status = Status::Ok();  // or why the lookup failed
  bool no_such_name = false;     // NXDOMAIN
  bool no_answer = false;        // no server answered by the deadline
  std::vector<SrvRecord> records;
};

// Parses a DNS answer message to an SRV question with c-ares's parser,
// normalising the targets. An answer without SRV records is an empty list.
// Exposed for the fuzzer and the hostile-input tests.
StatusOr<std::vector<SrvRecord>> ParseSrvAnswer(const unsigned char* message,
                                                std::size_t size);

class DnsResolver {
 public:
  // `servers`: asked in this order; empty: the system's name servers.
  explicit DnsResolver(std::vector<Endpoint> servers);

  // The SRV records of `name`, by `deadline`.
  SrvLookup LookupSrv(const std::string& name,
                      std::chrono::steady_clock::time_point deadline) const;

  // The first IPv4 address of each name (nullopt when there is none or no
  // answer came), all asked at once, by `deadline`.
  std::vector<std::optional<std::string>> LookupIpv4(
      const std::vector<std::string>& names,
      std::chrono::steady_clock::time_point deadline) const;

  // "127.0.0.1:5353" or "10.0.0.10:53, 10.0.0.11:53": the servers asked,
  // for messages ("the system's DNS servers" when c-ares finds none).
  std::string ServersText() const;

 private:
  std::vector<Endpoint> servers_;
};

}  // namespace entra_pta::domain_controller

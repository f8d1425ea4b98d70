// Builders of DNS response messages in the real wire format (RFC 1035), for
// tests: the shapes a DNS server sends for SRV and A questions, and the
// pieces to assemble hostile ones byte by byte.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace entra_pta::domain_controller::testing {

inline constexpr std::uint16_t kDnsTypeA = 1;
inline constexpr std::uint16_t kDnsTypeSrv = 33;

using Bytes = std::vector<std::uint8_t>;

inline void Append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

inline Bytes U16(std::uint16_t value) {
  return {static_cast<std::uint8_t>(value >> 8),
          static_cast<std::uint8_t>(value & 0xff)};
}

// "a.b" -> 1 'a' 1 'b' 0 (uncompressed).
inline Bytes EncodeName(const std::string& name) {
  Bytes out;
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

inline Bytes Header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd,
                    std::uint16_t an, std::uint16_t ns, std::uint16_t ar) {
  Bytes out;
  for (std::uint16_t v : {id, flags, qd, an, ns, ar}) Append(out, U16(v));
  return out;
}

inline Bytes Question(const std::string& name, std::uint16_t type) {
  Bytes out = EncodeName(name);
  Append(out, U16(type));
  Append(out, U16(1));  // IN
  return out;
}

// A resource record with an already encoded owner name.
inline Bytes Record(const Bytes& owner, std::uint16_t type, const Bytes& rdata,
                    std::uint16_t rclass = 1) {
  Bytes out = owner;
  Append(out, U16(type));
  Append(out, U16(rclass));
  Append(out, U16(0));
  Append(out, U16(600));  // TTL
  Append(out, U16(static_cast<std::uint16_t>(rdata.size())));
  Append(out, rdata);
  return out;
}

inline Bytes SrvData(std::uint16_t priority, std::uint16_t weight,
                     std::uint16_t port, const Bytes& target) {
  Bytes out = U16(priority);
  Append(out, U16(weight));
  Append(out, U16(port));
  Append(out, target);
  return out;
}

// The flags of a normal recursive answer with the given RCODE.
inline std::uint16_t AnswerFlags(int rcode) {
  return static_cast<std::uint16_t>(0x8180 | rcode);
}

struct TestSrv {
  std::string target;
  std::uint16_t port = 389;
};
struct TestAddress {
  std::string name;
  Bytes ipv4;  // 4 bytes
};

// A complete answer to the SRV question `qname`: one SRV record per target
// (owner compressed to the question), and `additional` A records.
inline Bytes SrvAnswer(std::uint16_t id, const std::string& qname,
                       const std::vector<TestSrv>& targets,
                       const std::vector<TestAddress>& additional = {},
                       int rcode = 0) {
  Bytes out = Header(id, AnswerFlags(rcode), 1,
                     static_cast<std::uint16_t>(targets.size()), 0,
                     static_cast<std::uint16_t>(additional.size()));
  Append(out, Question(qname, kDnsTypeSrv));
  const Bytes owner = {0xC0, 12};  // pointer to the question name
  for (const TestSrv& srv : targets) {
    Append(out, Record(owner, kDnsTypeSrv,
                       SrvData(0, 100, srv.port, EncodeName(srv.target))));
  }
  for (const TestAddress& address : additional) {
    Append(out, Record(EncodeName(address.name), kDnsTypeA, address.ipv4));
  }
  return out;
}

inline Bytes AAnswer(std::uint16_t id, const std::string& qname,
                     const Bytes& ipv4, int rcode = 0) {
  Bytes out = Header(id, AnswerFlags(rcode), 1, rcode == 0 ? 1 : 0, 0, 0);
  Append(out, Question(qname, kDnsTypeA));
  if (rcode == 0) Append(out, Record({0xC0, 12}, kDnsTypeA, ipv4));
  return out;
}

// The ID, question name and type of a query (c-ares's, for one).
inline std::uint16_t QueryId(const Bytes& query) {
  return static_cast<std::uint16_t>((query.at(0) << 8) | query.at(1));
}
inline std::string QueryName(const Bytes& query) {
  std::string name;
  std::size_t pos = 12;
  while (pos < query.size() && query[pos] != 0) {
    if (!name.empty()) name += '.';
    name.append(query.begin() + static_cast<long>(pos) + 1,
                query.begin() + static_cast<long>(pos) + 1 + query[pos]);
    pos += 1 + query[pos];
  }
  return name;
}
inline std::uint16_t QueryType(const Bytes& query) {
  std::size_t pos = 12;
  while (pos < query.size() && query[pos] != 0) pos += 1 + query[pos];
  return static_cast<std::uint16_t>((query.at(pos + 1) << 8) |
                                    query.at(pos + 2));
}

}  // namespace entra_pta::domain_controller::testing

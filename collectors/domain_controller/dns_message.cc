#include "collectors/domain_controller/dns_message.h"

#include <cctype>

namespace entra_pta::domain_controller {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxNameLength = 253;  // presentation form, no root dot
constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kTypeOpt = 41;
constexpr std::uint16_t kFlagResponse = 0x8000;
constexpr std::uint16_t kFlagTruncated = 0x0200;
constexpr std::uint16_t kFlagRecursionDesired = 0x0100;

bool IsNameChar(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_';
}

std::string Normalize(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

void PutU16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

// Bounds-checked reading of one message.
class Reader {
 public:
  explicit Reader(const std::vector<std::uint8_t>& message)
      : message_(message) {}

  std::optional<std::uint16_t> U16(std::size_t& pos) const {
    if (pos + 2 > message_.size()) return std::nullopt;
    auto value =
        static_cast<std::uint16_t>((message_[pos] << 8) | message_[pos + 1]);
    pos += 2;
    return value;
  }

  // Reads the (possibly compressed) name at `pos` and advances `pos` past
  // it. Every compression pointer must point before the start of the part
  // of the name read so far, so each jump goes strictly backwards and the
  // walk ends. Returns an error message, or nullopt on success.
  std::optional<std::string> Name(std::size_t& pos, std::string& name) const {
    name.clear();
    std::size_t at = pos;
    std::size_t segment_start = pos;
    bool jumped = false;
    while (true) {
      if (at >= message_.size()) return "name runs past the end";
      const std::uint8_t length = message_[at];
      if ((length & 0xC0) == 0xC0) {
        if (at + 1 >= message_.size()) return "name pointer cut short";
        const std::size_t target =
            static_cast<std::size_t>(((length & 0x3F) << 8) | message_[at + 1]);
        if (target >= segment_start) {
          return "name pointer does not point backwards";
        }
        if (!jumped) pos = at + 2;
        jumped = true;
        at = target;
        segment_start = target;
        continue;
      }
      if ((length & 0xC0) != 0) return "reserved label type in name";
      if (length == 0) {
        if (!jumped) pos = at + 1;
        return std::nullopt;
      }
      if (at + 1 + length > message_.size()) return "label runs past the end";
      if (!name.empty()) name += '.';
      for (std::size_t i = at + 1; i < at + 1 + length; ++i) {
        const unsigned char c = message_[i];
        if (!IsNameChar(c)) return "invalid character in name";
        name += static_cast<char>(std::tolower(c));
      }
      if (name.size() > kMaxNameLength) return "name longer than 253 bytes";
      at += 1 + length;
    }
  }

 private:
  const std::vector<std::uint8_t>& message_;
};

Status Malformed(const std::string& what) {
  return Status::Error("malformed DNS response: " + what);
}

}  // namespace

std::string RcodeDescription(int rcode) {
  switch (rcode) {
    case kRcodeNoError:
      return "NOERROR";
    case 1:
      return "FORMERR (the server could not read the query)";
    case kRcodeServFail:
      return "SERVFAIL (the server failed to answer)";
    case kRcodeNxDomain:
      return "NXDOMAIN (the name does not exist)";
    case 4:
      return "NOTIMP (the server does not support the query)";
    case kRcodeRefused:
      return "REFUSED (the server refused to answer)";
    default:
      return "RCODE " + std::to_string(rcode);
  }
}

bool IsValidDnsName(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameLength) return false;
  std::size_t label_length = 0;
  for (char c : name) {
    if (c == '.') {
      if (label_length == 0) return false;
      label_length = 0;
      continue;
    }
    if (!IsNameChar(static_cast<unsigned char>(c))) return false;
    if (++label_length > 63) return false;
  }
  return label_length > 0;
}

std::variant<std::vector<std::uint8_t>, Status> BuildDnsQuery(
    std::uint16_t id, std::string_view name, std::uint16_t type) {
  if (!IsValidDnsName(name)) {
    return Status::Error("invalid DNS name \"" + std::string(name) + "\"");
  }
  std::vector<std::uint8_t> out;
  PutU16(out, id);
  PutU16(out, kFlagRecursionDesired);
  PutU16(out, 1);  // questions
  PutU16(out, 0);  // answers
  PutU16(out, 0);  // authority
  PutU16(out, 1);  // additional: the EDNS0 OPT record
  const std::string normalized = Normalize(name);
  std::size_t start = 0;
  while (start <= normalized.size()) {
    std::size_t dot = normalized.find('.', start);
    if (dot == std::string::npos) dot = normalized.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), normalized.begin() + static_cast<long>(start),
               normalized.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  PutU16(out, type);
  PutU16(out, kClassIn);
  out.push_back(0);  // OPT owner: the root
  PutU16(out, kTypeOpt);
  PutU16(out, static_cast<std::uint16_t>(kMaxDnsMessageSize));
  PutU16(out, 0);  // extended RCODE and version
  PutU16(out, 0);  // flags
  PutU16(out, 0);  // no options
  return out;
}

std::variant<DnsResponse, Status> ParseDnsResponse(
    const std::vector<std::uint8_t>& message, std::string_view name,
    std::uint16_t type) {
  if (message.size() < kHeaderSize) {
    return Malformed("shorter than a DNS header (" +
                     std::to_string(message.size()) + " bytes)");
  }
  if (message.size() > kMaxDnsMessageSize) {
    return Malformed("larger than " + std::to_string(kMaxDnsMessageSize) +
                     " bytes");
  }
  Reader reader(message);
  std::size_t pos = 0;
  DnsResponse response;
  response.id = *reader.U16(pos);
  const std::uint16_t flags = *reader.U16(pos);
  const std::uint16_t questions = *reader.U16(pos);
  const std::uint16_t answers = *reader.U16(pos);
  const std::uint16_t authority = *reader.U16(pos);
  const std::uint16_t additional = *reader.U16(pos);
  if ((flags & kFlagResponse) == 0) return Malformed("not a response");
  if (((flags >> 11) & 0xF) != 0) return Malformed("unexpected opcode");
  response.rcode = flags & 0xF;
  response.truncated = (flags & kFlagTruncated) != 0;

  if (questions > 1) return Malformed("more than one question");
  if (questions == 0 && response.rcode == kRcodeNoError) {
    return Malformed("the question is missing");
  }
  const std::string wanted = Normalize(name);
  std::string owner;
  if (questions == 1) {
    if (auto error = reader.Name(pos, owner)) return Malformed(*error);
    auto qtype = reader.U16(pos);
    auto qclass = reader.U16(pos);
    if (!qtype || !qclass) return Malformed("question cut short");
    if (owner != wanted || *qtype != type || *qclass != kClassIn) {
      return Malformed("the answer is for another question (" + owner + ")");
    }
  }
  // A truncated answer is reported as such by the caller; its records are
  // incomplete by definition.
  if (response.truncated) return response;

  const std::size_t records =
      static_cast<std::size_t>(answers) + authority + additional;
  for (std::size_t i = 0; i < records; ++i) {
    const bool in_answer = i < answers;
    const bool in_additional =
        i >= static_cast<std::size_t>(answers) + authority;
    if (auto error = reader.Name(pos, owner)) return Malformed(*error);
    auto rtype = reader.U16(pos);
    auto rclass = reader.U16(pos);
    auto ttl_high = reader.U16(pos);
    auto ttl_low = reader.U16(pos);
    auto rdlength = reader.U16(pos);
    if (!rtype || !rclass || !ttl_high || !ttl_low || !rdlength) {
      return Malformed("record header cut short");
    }
    const std::size_t rdata_end = pos + *rdlength;
    if (rdata_end > message.size()) return Malformed("record data cut short");
    if (*rclass == kClassIn && *rtype == kDnsTypeSrv && in_answer) {
      SrvRecord srv;
      std::size_t at = pos;
      auto priority = reader.U16(at);
      auto weight = reader.U16(at);
      auto port = reader.U16(at);
      if (!priority || !weight || !port || at >= rdata_end) {
        return Malformed("SRV record too short");
      }
      if (auto error = reader.Name(at, srv.target)) return Malformed(*error);
      if (at != rdata_end) return Malformed("SRV record length mismatch");
      srv.priority = *priority;
      srv.weight = *weight;
      srv.port = *port;
      response.srv.push_back(std::move(srv));
    } else if (*rclass == kClassIn && *rtype == kDnsTypeA &&
               (in_answer || in_additional)) {
      if (*rdlength != 4) return Malformed("A record is not 4 bytes");
      response.address.push_back(
          {owner, std::to_string(message[pos]) + "." +
                      std::to_string(message[pos + 1]) + "." +
                      std::to_string(message[pos + 2]) + "." +
                      std::to_string(message[pos + 3])});
    }
    pos = rdata_end;
  }
  return response;
}

}  // namespace entra_pta::domain_controller

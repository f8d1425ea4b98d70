// DnsResolver (c-ares) against DNS servers on 127.0.0.1 in this process:
// answers over UDP and TCP, a truncated UDP answer completed over TCP, a
// first server that fails, silence, NXDOMAIN, and hostile answers, which
// must end in an error with a reason (or no answer), never a crash.
#include "collectors/domain_controller/dns_resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ostream>
#include <string>

#include "collectors/domain_controller/testing/dns_test_messages.h"
#include "collectors/domain_controller/testing/loopback_dns_server.h"
#include "collectors/domain_controller/testing/udp_socket.h"

namespace entra_pta::domain_controller {
namespace {

using testing::AAnswer;
using testing::Append;
using testing::Bytes;
using testing::EncodeName;
using testing::Header;
using testing::kDnsTypeA;
using testing::kDnsTypeSrv;
using testing::LoopbackDnsServer;
using testing::QueryName;
using testing::QueryType;
using testing::Question;
using testing::Record;
using testing::SrvAnswer;
using testing::SrvData;
using testing::Transport;
using testing::U16;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const char kName[] = "_ldap._tcp.dc._msdcs.corp.test";

SteadyClock::time_point In(milliseconds budget) {
  return SteadyClock::now() + budget;
}

std::vector<std::string> Targets(const SrvLookup& lookup) {
  std::vector<std::string> targets;
  for (const SrvRecord& record : lookup.records) {
    targets.push_back(record.target + ":" + std::to_string(record.port));
  }
  return targets;
}

// A header with the given flags and the SRV question, nothing else.
Bytes Bare(std::uint16_t flags) {
  Bytes out = Header(0, flags, 1, 0, 0, 0);
  Append(out, Question(kName, kDnsTypeSrv));
  return out;
}

TEST(DnsNameTest, Validity) {
  EXPECT_TRUE(IsValidDnsName("corp.test"));
  EXPECT_TRUE(IsValidDnsName("corp.test."));
  EXPECT_TRUE(IsValidDnsName("_ldap._tcp.dc._msdcs.Corp.Example.com"));
  EXPECT_TRUE(IsValidDnsName(std::string(63, 'a') + ".test"));
  EXPECT_FALSE(IsValidDnsName(""));
  EXPECT_FALSE(IsValidDnsName("."));
  EXPECT_FALSE(IsValidDnsName("a..b"));
  EXPECT_FALSE(IsValidDnsName(".a"));
  EXPECT_FALSE(IsValidDnsName(std::string(64, 'a') + ".test"));
  EXPECT_FALSE(IsValidDnsName("corp test"));
  EXPECT_FALSE(IsValidDnsName("corp/test"));
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcd.";
  long_name += "test";  // 254 bytes
  EXPECT_FALSE(IsValidDnsName(long_name));
}

TEST(DnsResolverTest, SrvRecordsAndAddressesComeBack) {
  LoopbackDnsServer server(
      [](const Bytes& query, Transport) -> std::optional<Bytes> {
        if (QueryType(query) == kDnsTypeSrv) {
          return SrvAnswer(0, QueryName(query),
                           {{"DC1.corp.test.", 389}, {"dc2.corp.test", 3268}});
        }
        if (QueryName(query) == "dc1.corp.test") {
          return AAnswer(0, QueryName(query), {10, 0, 0, 1});
        }
        return AAnswer(0, QueryName(query), {}, 3);  // NXDOMAIN
      });
  DnsResolver resolver({server.endpoint()});
  SrvLookup lookup = resolver.LookupSrv(kName, In(milliseconds(5000)));
  ASSERT_TRUE(lookup.status.ok()) << lookup.status.message();
  EXPECT_EQ(Targets(lookup), (std::vector<std::string>{"dc1.corp.test:389",
                                                       "dc2.corp.test:3268"}));
  auto addresses = resolver.LookupIpv4({"dc1.corp.test", "dc2.corp.test"},
                                       In(milliseconds(5000)));
  ASSERT_EQ(addresses.size(), 2u);
  EXPECT_EQ(addresses[0], "10.0.0.1");
  EXPECT_EQ(addresses[1], std::nullopt);
}

// A domain with more DCs than fit in one UDP answer: the server sets TC and
// the full answer comes over TCP (our own resolver reported an error).
TEST(DnsResolverTest, TruncatedUdpAnswerIsRetriedOverTcp) {
  LoopbackDnsServer server(
      [](const Bytes& query, Transport transport) -> std::optional<Bytes> {
        if (transport == Transport::kUdp) return Bare(0x8380);  // TC
        return SrvAnswer(0, QueryName(query),
                         {{"dc1.corp.test", 389}, {"dc2.corp.test", 389}});
      });
  DnsResolver resolver({server.endpoint()});
  SrvLookup lookup = resolver.LookupSrv(kName, In(milliseconds(5000)));
  ASSERT_TRUE(lookup.status.ok()) << lookup.status.message();
  EXPECT_EQ(lookup.records.size(), 2u);
  EXPECT_GE(server.udp_queries(), 1);
  EXPECT_EQ(server.tcp_queries(), 1);
}

struct FailingServerCase {
  std::string name;
  int rcode;  // -1: nothing listening
};

// GoogleTest prints the case by name instead of dumping its bytes.
void PrintTo(const FailingServerCase& failing, std::ostream* out) {
  *out << failing.name;
}

class FirstServerFailsTest
    : public ::testing::TestWithParam<FailingServerCase> {};

// Our own resolver asked only the first server; c-ares moves on.
TEST_P(FirstServerFailsTest, SecondServerAnswers) {
  const int rcode = GetParam().rcode;
  LoopbackDnsServer first(
      [rcode](const Bytes&, Transport) -> std::optional<Bytes> {
        return Bare(static_cast<std::uint16_t>(0x8180 | rcode));
      });
  Endpoint first_endpoint = first.endpoint();
  if (rcode < 0) {
    auto closed = testing::OpenLoopbackUdpSocket(0);
    ASSERT_NE(closed, nullptr);
    first_endpoint = {"127.0.0.1", closed->port()};
  }  // released: nothing listens there now
  LoopbackDnsServer second(
      [](const Bytes& query, Transport) -> std::optional<Bytes> {
        return SrvAnswer(0, QueryName(query), {{"dc1.corp.test", 389}});
      });
  DnsResolver resolver({first_endpoint, second.endpoint()});
  SrvLookup lookup = resolver.LookupSrv(kName, In(milliseconds(5000)));
  ASSERT_TRUE(lookup.status.ok()) << lookup.status.message();
  EXPECT_EQ(Targets(lookup), std::vector<std::string>{"dc1.corp.test:389"});
  EXPECT_GE(second.udp_queries(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Failures, FirstServerFailsTest,
    ::testing::Values(FailingServerCase{"ServFail", 2},
                      FailingServerCase{"Refused", 5},
                      FailingServerCase{"NothingListening", -1}),
    [](const ::testing::TestParamInfo<FailingServerCase>& param_info) {
      return param_info.param.name;
    });

TEST(DnsResolverTest, NxdomainSaysTheNameDoesNotExist) {
  LoopbackDnsServer server([](const Bytes&, Transport) -> std::optional<Bytes> {
    return Bare(0x8183);
  });
  SrvLookup lookup =
      DnsResolver({server.endpoint()}).LookupSrv(kName, In(milliseconds(5000)));
  EXPECT_FALSE(lookup.status.ok());
  EXPECT_TRUE(lookup.no_such_name);
  EXPECT_EQ(lookup.status.message(), "NXDOMAIN (the name does not exist)");
}

TEST(DnsResolverTest, NoRecordsIsAnEmptyAnswer) {
  LoopbackDnsServer server([](const Bytes&, Transport) -> std::optional<Bytes> {
    return Bare(0x8180);
  });
  SrvLookup lookup =
      DnsResolver({server.endpoint()}).LookupSrv(kName, In(milliseconds(5000)));
  EXPECT_TRUE(lookup.status.ok()) << lookup.status.message();
  EXPECT_TRUE(lookup.records.empty());
}

TEST(DnsResolverTest, SilentServerEndsAtTheDeadline) {
  LoopbackDnsServer server([](const Bytes&, Transport) -> std::optional<Bytes> {
    return std::nullopt;
  });
  const auto start = SteadyClock::now();
  SrvLookup lookup = DnsResolver({server.endpoint()})
                         .LookupSrv(kName, start + milliseconds(700));
  const auto took = SteadyClock::now() - start;
  EXPECT_TRUE(lookup.no_answer);
  EXPECT_FALSE(lookup.status.ok());
  EXPECT_GE(took, milliseconds(690));
  EXPECT_LT(took, milliseconds(1500));
}

struct HostileCase {
  std::string description;
  Bytes message;
  std::string defect;  // what is wrong with it, for failure messages
};

Bytes WithQuestion(Bytes header, const Bytes& rest) {
  Append(header, Question(kName, kDnsTypeSrv));
  Append(header, rest);
  return header;
}

// Hostile headers and questions.
std::vector<HostileCase> HostileHeaderCases() {
  std::vector<HostileCase> cases;
  cases.push_back({"empty", {}, "shorter than a DNS header"});
  cases.push_back({"11 bytes", Bytes(11, 0), "shorter than a DNS header"});
  cases.push_back({"oversized", Bytes(4097, 0x81), "larger than 4096 bytes"});
  cases.push_back({"a query, not a response",
                   WithQuestion(Header(1, 0x0100, 1, 0, 0, 0), {}),
                   "not a response"});
  cases.push_back({"opcode 2", WithQuestion(Header(1, 0x9000, 1, 0, 0, 0), {}),
                   "unexpected opcode"});
  cases.push_back({"two questions",
                   WithQuestion(Header(1, 0x8180, 2, 0, 0, 0), {}),
                   "more than one question"});
  cases.push_back({"NOERROR without the question",
                   Header(1, 0x8180, 0, 0, 0, 0), "question is missing"});
  {
    Bytes other = Header(1, 0x8180, 1, 0, 0, 0);
    Append(other, Question("_ldap._tcp.dc._msdcs.evil.test", kDnsTypeSrv));
    cases.push_back({"answer to another name", other, "another question"});
    Bytes other_type = Header(1, 0x8180, 1, 0, 0, 0);
    Append(other_type, Question(kName, kDnsTypeA));
    cases.push_back({"answer to another type", other_type, "another question"});
  }
  {
    Bytes cut = Header(1, 0x8180, 1, 0, 0, 0);
    Append(cut, {5, 'a', 'b'});
    cases.push_back({"label past the end", cut, "label runs past the end"});
    Bytes unterminated = Header(1, 0x8180, 1, 0, 0, 0);
    Append(unterminated, {1, 'a'});
    cases.push_back(
        {"name without its end", unterminated, "name runs past the end"});
    Bytes no_type = Header(1, 0x8180, 1, 0, 0, 0);
    Append(no_type, EncodeName(kName));
    cases.push_back({"question without type", no_type, "question cut short"});
  }
  return cases;
}

// Hostile names and records.
std::vector<HostileCase> HostileRecordCases() {
  std::vector<HostileCase> cases;
  {
    // A pointer to itself: the classic decompression loop.
    Bytes self = Header(1, 0x8180, 1, 0, 0, 0);
    Append(self, {0xC0, 12, 0, 33, 0, 1});
    cases.push_back({"self pointer", self, "does not point backwards"});
    // Two names pointing at each other: label "a" then a pointer back to
    // the label (which comes first), looping forever if allowed.
    Bytes loop = WithQuestion(Header(1, 0x8180, 1, 1, 0, 0), {});
    const std::uint16_t at = static_cast<std::uint16_t>(loop.size());
    Append(loop, {1, 'a', 0xC0, static_cast<std::uint8_t>(at)});
    Append(loop, {0, 33, 0, 1, 0, 0, 0, 0, 0, 0});
    cases.push_back({"pointer loop", loop, "does not point backwards"});
    Bytes forward = WithQuestion(Header(1, 0x8180, 1, 1, 0, 0), {});
    Append(forward, {0xC0, 0xFF, 0, 33, 0, 1, 0, 0, 0, 0, 0, 0});
    cases.push_back({"forward pointer", forward, "does not point backwards"});
    Bytes half = Header(1, 0x8180, 1, 0, 0, 0);
    Append(half, {0xC0});
    cases.push_back({"half a pointer", half, "name pointer cut short"});
    Bytes reserved = Header(1, 0x8180, 1, 0, 0, 0);
    Append(reserved, {0x40, 1, 0});
    cases.push_back({"extended label type", reserved, "reserved label type"});
  }
  {
    Bytes bad_char = Header(1, 0x8180, 1, 0, 0, 0);
    Append(bad_char, {3, 'a', '\n', 'b', 0, 0, 33, 0, 1});
    cases.push_back(
        {"control byte in a label", bad_char, "invalid character in name"});
    Bytes utf8 = Header(1, 0x8180, 1, 0, 0, 0);
    Append(utf8, {2, 0xC3, 0xA9, 0, 0, 33, 0, 1});
    cases.push_back({"non-ASCII label", utf8, "invalid character in name"});
  }
  {
    // A name of 5 x 63-byte labels: over 253 bytes.
    Bytes long_name = Header(1, 0x8180, 1, 0, 0, 0);
    for (int i = 0; i < 5; ++i) {
      long_name.push_back(63);
      long_name.insert(long_name.end(), 63, 'a');
    }
    Append(long_name, {0, 0, 33, 0, 1});
    cases.push_back({"name too long", long_name, "longer than 253 bytes"});
  }
  cases.push_back({"answer count beyond the data",
                   WithQuestion(Header(1, 0x8180, 1, 3, 0, 0), {}),
                   "name runs past the end"});
  cases.push_back(
      {"record header cut",
       WithQuestion(Header(1, 0x8180, 1, 1, 0, 0), {0xC0, 12, 0, 33, 0, 1, 0}),
       "record header cut short"});
  {
    Bytes record = Record({0xC0, 12}, kDnsTypeSrv,
                          SrvData(0, 0, 389, EncodeName("dc1.corp.test")));
    record.resize(record.size() - 3);  // the message ends inside the data
    cases.push_back({"rdlength past the end",
                     WithQuestion(Header(1, 0x8180, 1, 1, 0, 0), record),
                     "record data cut short"});
  }
  {
    Bytes lie = WithQuestion(Header(1, 0x8180, 1, 1, 0, 0), {});
    Append(lie, {0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 0, 0, 200, 0, 0});
    cases.push_back({"rdlength lies", lie, "record data cut short"});
  }
  cases.push_back({"SRV too short",
                   WithQuestion(Header(1, 0x8180, 1, 1, 0, 0),
                                Record({0xC0, 12}, kDnsTypeSrv, {0, 1, 0, 2})),
                   "SRV record too short"});
  cases.push_back({"SRV target overruns its record",
                   WithQuestion(Header(1, 0x8180, 1, 1, 0, 0),
                                Record({0xC0, 12}, kDnsTypeSrv,
                                       SrvData(0, 0, 389, {3, 'd', 'c', '1'}))),
                   "name runs past the end"});
  // Not here: an SRV record with bytes after its target (c-ares reads the
  // target and ignores the rest) and a bad A record in the additional
  // section (no longer read: the DCs' addresses are asked for).
  return cases;
}

std::vector<HostileCase> HostileCases() {
  std::vector<HostileCase> cases = HostileHeaderCases();
  for (HostileCase& c : HostileRecordCases()) cases.push_back(std::move(c));
  return cases;
}

// Every hostile answer, sent by a real server: the lookup fails (with
// c-ares's reason, or as no answer when c-ares drops an answer that does
// not match the question) by its deadline, and nothing crashes.
TEST(DnsResolverTest, HostileAnswersFail) {
  const std::vector<HostileCase> cases = HostileCases();
  std::atomic<std::size_t> index = 0;  // read by the server's thread
  LoopbackDnsServer server(
      [&](const Bytes&, Transport) -> std::optional<Bytes> {
        return cases[index].message;
      });
  for (; index < cases.size(); ++index) {
    SrvLookup lookup = DnsResolver({server.endpoint()})
                           .LookupSrv(kName, In(milliseconds(150)));
    EXPECT_FALSE(lookup.status.ok()) << cases[index].description;
    EXPECT_TRUE(lookup.records.empty()) << cases[index].description;
  }
}

// The same answers through the parser alone: an error, never a crash.
TEST(ParseSrvAnswerTest, HostileAnswersAreErrors) {
  for (const HostileCase& c : HostileCases()) {
    auto parsed = ParseSrvAnswer(c.message.data(), c.message.size());
    if (parsed.ok()) {
      // c-ares's parser does not compare the question with ours (the
      // channel does, before the parser sees an answer); such answers
      // carry no records here.
      EXPECT_TRUE(parsed->empty()) << c.description << " (" << c.defect << ")";
    }
  }
}

// Every prefix of a valid answer is rejected or, when it ends after the
// answer section, parsed to the same records; none over-reads.
TEST(ParseSrvAnswerTest, EveryTruncationIsHandled) {
  Bytes full = SrvAnswer(9, kName, {{"dc1.corp.test", 389}},
                         {{"dc1.corp.test", {10, 0, 0, 1}}});
  auto whole = ParseSrvAnswer(full.data(), full.size());
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  ASSERT_EQ(whole->size(), 1u);
  EXPECT_EQ(whole->front().target, "dc1.corp.test");
  // The additional A record (name, 10 bytes of header, 4 of address) is not
  // read, so cutting into it leaves the answer intact.
  const std::size_t answer_end =
      full.size() - (EncodeName("dc1.corp.test").size() + 14);
  for (std::size_t size = 0; size < full.size(); ++size) {
    Bytes prefix(full.begin(), full.begin() + static_cast<long>(size));
    auto parsed = ParseSrvAnswer(prefix.data(), prefix.size());
    ASSERT_EQ(parsed.ok(), size >= answer_end) << "size " << size;
    if (!parsed.ok()) continue;
    ASSERT_EQ(parsed->size(), 1u) << "size " << size;
    EXPECT_EQ(parsed->front().target, "dc1.corp.test");
  }
}

}  // namespace
}  // namespace entra_pta::domain_controller

#include "collectors/domain_controller/dns_message.h"

#include <gtest/gtest.h>

#include "collectors/domain_controller/testing/dns_test_messages.h"

namespace entra_pta::domain_controller {
namespace {

using testing::Append;
using testing::Bytes;
using testing::EncodeName;
using testing::Header;
using testing::Question;
using testing::Record;
using testing::SrvAnswer;
using testing::SrvData;
using testing::U16;

const char kName[] = "_ldap._tcp.dc._msdcs.corp.test";

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

TEST(BuildDnsQueryTest, WireFormat) {
  auto built = BuildDnsQuery(0xBEEF, "Corp.Test.", kDnsTypeSrv);
  ASSERT_TRUE(std::holds_alternative<Bytes>(built));
  Bytes expected = Header(0xBEEF, 0x0100, 1, 0, 0, 1);
  Append(expected, Question("corp.test", kDnsTypeSrv));
  // EDNS0 OPT: root owner, type 41, payload size 4096, no options.
  Append(expected, {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(std::get<Bytes>(built), expected);
  EXPECT_TRUE(
      std::holds_alternative<Status>(BuildDnsQuery(1, "bad..name", kDnsTypeA)));
}

TEST(ParseDnsResponseTest, SrvAnswerWithAdditionalAddresses) {
  Bytes message =
      SrvAnswer(7, kName, {{"dc1.corp.test", 389}, {"DC2.corp.test", 389}},
                {{"dc1.corp.test", {10, 0, 0, 1}}});
  auto parsed =
      ParseDnsResponse(message, "_LDAP._tcp.dc._msdcs.corp.test.", kDnsTypeSrv);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(parsed))
      << std::get<Status>(parsed).message();
  const DnsResponse& response = std::get<DnsResponse>(parsed);
  EXPECT_EQ(response.id, 7);
  EXPECT_EQ(response.rcode, 0);
  EXPECT_FALSE(response.truncated);
  ASSERT_EQ(response.srv.size(), 2u);
  EXPECT_EQ(response.srv[0].target, "dc1.corp.test");
  EXPECT_EQ(response.srv[0].port, 389);
  EXPECT_EQ(response.srv[0].weight, 100);
  EXPECT_EQ(response.srv[1].target, "dc2.corp.test");  // lower-cased
  ASSERT_EQ(response.address.size(), 1u);
  EXPECT_EQ(response.address[0].name, "dc1.corp.test");
  EXPECT_EQ(response.address[0].ipv4, "10.0.0.1");
}

TEST(ParseDnsResponseTest, CompressedTargetAndSkippedRecordTypes) {
  // The SRV target "dc1" + pointer to "corp.test" inside the question.
  Bytes message = Header(1, 0x8180, 1, 2, 0, 1);
  Append(message, Question(kName, kDnsTypeSrv));
  // "corp.test" starts after "_ldap._tcp.dc._msdcs." in the question:
  // 12 + 6 + 5 + 3 + 7 = 33.
  Bytes target = {3, 'd', 'c', '1', 0xC0, 33};
  Append(message, Record({0xC0, 12}, 16, {4, 't', 'e', 'x', 't'}));  // TXT
  Append(message, Record({0xC0, 12}, kDnsTypeSrv, SrvData(0, 0, 389, target)));
  Append(message, Record(
                      {
                          0,
                      },
                      41, {}, 4096));  // OPT in additional
  auto parsed = ParseDnsResponse(message, kName, kDnsTypeSrv);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(parsed))
      << std::get<Status>(parsed).message();
  ASSERT_EQ(std::get<DnsResponse>(parsed).srv.size(), 1u);
  EXPECT_EQ(std::get<DnsResponse>(parsed).srv[0].target, "dc1.corp.test");
}

TEST(ParseDnsResponseTest, ErrorCodesAndTruncation) {
  Bytes nxdomain = Header(3, 0x8183, 1, 0, 0, 0);
  Append(nxdomain, Question(kName, kDnsTypeSrv));
  auto parsed = ParseDnsResponse(nxdomain, kName, kDnsTypeSrv);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(parsed));
  EXPECT_EQ(std::get<DnsResponse>(parsed).rcode, kRcodeNxDomain);
  EXPECT_EQ(RcodeDescription(kRcodeNxDomain),
            "NXDOMAIN (the name does not exist)");
  EXPECT_EQ(RcodeDescription(kRcodeServFail),
            "SERVFAIL (the server failed to answer)");
  EXPECT_EQ(RcodeDescription(9), "RCODE 9");
  // REFUSED without the question echoed is still an answer.
  auto refused =
      ParseDnsResponse(Header(3, 0x8185, 0, 0, 0, 0), kName, kDnsTypeSrv);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(refused));
  EXPECT_EQ(std::get<DnsResponse>(refused).rcode, kRcodeRefused);
  // Truncated: records are not read (they may be cut anywhere).
  Bytes truncated = Header(3, 0x8380, 1, 5, 0, 0);
  Append(truncated, Question(kName, kDnsTypeSrv));
  Append(truncated, {0xC0, 12, 0, 33});
  auto cut = ParseDnsResponse(truncated, kName, kDnsTypeSrv);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(cut));
  EXPECT_TRUE(std::get<DnsResponse>(cut).truncated);
}

struct HostileCase {
  std::string description;
  Bytes message;
  std::string expected_error;  // a substring of the message
};

Bytes WithQuestion(Bytes header, const Bytes& rest) {
  Append(header, Question(kName, kDnsTypeSrv));
  Append(header, rest);
  return header;
}

std::vector<HostileCase> HostileCases() {
  std::vector<HostileCase> cases;
  cases.push_back({"empty", {}, "shorter than a DNS header"});
  cases.push_back({"11 bytes", Bytes(11, 0), "shorter than a DNS header"});
  cases.push_back({"oversized", Bytes(kMaxDnsMessageSize + 1, 0x81),
                   "larger than 4096 bytes"});
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
  {
    Bytes rdata = SrvData(0, 0, 389, EncodeName("dc1.corp.test"));
    rdata.push_back(0);  // a stray byte after the target
    cases.push_back({"SRV length mismatch",
                     WithQuestion(Header(1, 0x8180, 1, 1, 0, 0),
                                  Record({0xC0, 12}, kDnsTypeSrv, rdata)),
                     "SRV record length mismatch"});
  }
  cases.push_back({"A record of 5 bytes",
                   WithQuestion(Header(1, 0x8180, 1, 0, 0, 1),
                                Record(EncodeName("dc1.corp.test"), kDnsTypeA,
                                       {10, 0, 0, 1, 9})),
                   "A record is not 4 bytes"});
  return cases;
}

TEST(ParseDnsResponseTest, HostileInputIsRejectedWithAReason) {
  for (const HostileCase& c : HostileCases()) {
    auto parsed = ParseDnsResponse(c.message, kName, kDnsTypeSrv);
    ASSERT_TRUE(std::holds_alternative<Status>(parsed)) << c.description;
    const std::string& message = std::get<Status>(parsed).message();
    EXPECT_NE(message.find("malformed DNS response"), std::string::npos)
        << c.description << ": " << message;
    EXPECT_NE(message.find(c.expected_error), std::string::npos)
        << c.description << ": " << message;
  }
}

// Every prefix of a valid answer is either rejected or (for the prefix that
// ends exactly after a complete record) parsed; none crashes or over-reads.
TEST(ParseDnsResponseTest, EveryTruncationIsHandled) {
  Bytes full = SrvAnswer(9, kName, {{"dc1.corp.test", 389}},
                         {{"dc1.corp.test", {10, 0, 0, 1}}});
  for (std::size_t size = 0; size < full.size(); ++size) {
    Bytes prefix(full.begin(), full.begin() + static_cast<long>(size));
    auto parsed = ParseDnsResponse(prefix, kName, kDnsTypeSrv);
    EXPECT_TRUE(std::holds_alternative<Status>(parsed)) << "size " << size;
  }
  EXPECT_TRUE(std::holds_alternative<DnsResponse>(
      ParseDnsResponse(full, kName, kDnsTypeSrv)));
}

}  // namespace
}  // namespace entra_pta::domain_controller

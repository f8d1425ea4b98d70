#include "collectors/probe/agent_proxy_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace entra_pta::probe {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(ENTRA_PTA_FIXTURE_DIR) + "/" + name;
}

AgentProxy ReadOk(const std::string& name) {
  auto read = ReadAgentProxyConfig(Fixture(name));
  if (!read.ok()) {
    ADD_FAILURE() << name << ": " << read.status().message();
    return {};
  }
  return *read;
}

std::string ReadError(const std::string& name) {
  auto read = ReadAgentProxyConfig(Fixture(name));
  if (!read.ok()) return read.status().message();
  ADD_FAILURE() << name << " parsed, but should not";
  return "";
}

TEST(AgentProxyConfigTest, ReadsTheDocumentedProxyElement) {
  AgentProxy proxy = ReadOk("agent-proxy.exe.config");
  EXPECT_EQ(proxy.address, "http://contosoproxy.com:8080");
  EXPECT_TRUE(proxy.bypass_on_local);
  ASSERT_EQ(proxy.bypass_list.size(), 1u);
  EXPECT_EQ(proxy.bypass_list[0], "contoso\\.local");
}

TEST(AgentProxyConfigTest, NoDefaultProxyMeansDirect) {
  EXPECT_EQ(ReadOk("agent-no-proxy.exe.config").address, "");
  EXPECT_EQ(ReadOk("agent-proxy-disabled.exe.config").address, "");
}

TEST(AgentProxyConfigTest, ByteOrderMarkEntitiesAndCase) {
  AgentProxy proxy = ReadOk("agent-proxy-bom-entities.exe.config");
  EXPECT_EQ(proxy.address, "http://p.example&:3128");
  EXPECT_FALSE(proxy.bypass_on_local);
}

TEST(AgentProxyConfigTest, MalformedFilesGiveLocatedErrorsWithoutSecrets) {
  const std::pair<const char*, const char*> cases[] = {
      {"agent-truncated.exe.config",
       "not well-formed XML: 5:7: the document ends inside a tag or comment "
       "in <defaultProxy>"},
      {"agent-mismatched.exe.config",
       "not well-formed XML: 5:7: end tag </system.net> does not close "
       "<defaultProxy>"},
      {"agent-doctype.exe.config",
       "not well-formed XML: 2:16: DOCTYPE and other declarations are not "
       "accepted"},
      {"agent-wrong-root.exe.config",
       "root element is <settings>, expected <configuration>"},
      {"agent-socks-proxy.exe.config", "proxyaddress is not an http:// URL"},
  };
  for (const auto& [name, expected] : cases) {
    std::string error = ReadError(name);
    EXPECT_NE(error.find(expected), std::string::npos) << name << ": " << error;
    EXPECT_NE(error.find(name), std::string::npos) << error;
    EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  }
}

TEST(AgentProxyConfigTest, MissingFileSaysSo) {
  std::string error = ReadError("no-such.exe.config");
  EXPECT_NE(error.find("cannot read the agent configuration file"),
            std::string::npos);
}

TEST(AgentProxyConfigTest, HostileInputTable) {
  // Every case is refused with expat's finding and its line:column.
  const std::pair<std::string, std::string> cases[] = {
      {"", "1:1: no root element"},
      {"   \n", "2:1: no root element"},
      {"<configuration>",
       "1:16: unexpected end of document inside <configuration>"},
      {"<configuration></configuration><configuration/>",
       "1:32: content after the root element"},
      {"text<configuration/>", "1:5: not well-formed (invalid token)"},
      {"<configuration a=1/>", "1:18: not well-formed (invalid token)"},
      {"<configuration a='1' a='2'/>", "1:22: duplicate attribute"},
      {"<configuration a='&bogus;'/>", "1:1: undefined entity"},
      {"<configuration a='&#0;'/>",
       "1:19: reference to invalid character number"},
      {"<configuration a='&#xD800;'/>",
       "1:19: reference to invalid character number"},
      {"<configuration a='<'/>", "1:19: not well-formed (invalid token)"},
      {"<configuration a='x", "1:1: the document ends inside a tag"},
      {"<configuration><!-- never closed",
       "1:16: the document ends inside a tag or comment in <configuration>"},
      {"<configuration><![CDATA[x", "1:26: unclosed CDATA section"},
      {"<?xml never closed", "1:1: the document ends inside a tag"},
      {"<configuration></>", "1:18: not well-formed (invalid token)"},
      {"<>", "1:2: not well-formed (invalid token)"},
      {"<configuration x/>", "1:17: not well-formed (invalid token)"},
      {"<configuration\"/>", "1:15: not well-formed (invalid token)"},
      {std::string(100, '<'), "1:2: not well-formed (invalid token)"},
  };
  for (const auto& [xml, expected] : cases) {
    auto parsed = ParseAgentProxyConfig(xml);
    ASSERT_FALSE(parsed.ok()) << xml;
    EXPECT_NE(parsed.status().message().find(expected), std::string::npos)
        << xml << " -> " << parsed.status().message();
  }
}

TEST(AgentProxyConfigTest, DeepNestingAndHugeFilesAreRefused) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  auto parsed = ParseAgentProxyConfig("<configuration>" + deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(
      parsed.status().message().find("1:205: elements nested deeper than 64"),
      std::string::npos);
  std::string huge = "<configuration>" +
                     std::string(kMaxAgentConfigBytes, ' ') +
                     "</configuration>";
  parsed = ParseAgentProxyConfig(huge);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("larger than"), std::string::npos);
}

std::string ConfigWithBypass(const std::vector<std::string>& entries) {
  std::string xml =
      "<configuration><system.net><defaultProxy enabled='true'>"
      "<proxy proxyaddress='http://proxy:3128' bypassonlocal='true'/>"
      "<bypasslist>";
  for (const std::string& entry : entries) {
    std::string escaped;
    for (char c : entry)
      escaped += c == '\'' ? std::string("&apos;") : std::string(1, c);
    xml += "<add address='" + escaped + "'/>";
  }
  return xml + "</bypasslist></defaultProxy></system.net></configuration>";
}

TEST(AgentProxyConfigTest, PathologicalBypassExpressionsAreRefused) {
  // ChooseProxy runs these with std::regex on every probe: a deep nesting
  // overflowed its stack, nested or ambiguous repetition made it run for
  // ages. Ordinary entries pass.
  for (const std::string& ok : std::vector<std::string>{
           "contoso\\.com", "[a-z]+\\.contoso\\.com", "10\\.\\d+\\.\\d+\\.\\d+",
           ".*\\.corp\\.local", "(login|graph)\\.example", "(abc)+", "a*?b",
           "x{2,3}(y)?", "[(|*]+", "\\(\\(\\(\\(\\(\\(\\(\\(\\(\\)"}) {
    auto parsed = ParseAgentProxyConfig(ConfigWithBypass({ok}));
    ASSERT_TRUE(parsed.ok()) << ok << ": " << parsed.status().message();
    EXPECT_EQ(parsed->bypass_list.front(), ok);
  }
  const std::pair<std::string, std::string> refused[] = {
      {std::string(20000, '(') + "a" + std::string(20000, ')'),
       "is longer than 256 bytes"},
      {std::string(9, '(') + "a" + std::string(9, ')'),
       "nests groups deeper than 8"},
      {"(a*)*b", "repeats a group that holds a repetition"},
      {"(.|.)*z", "repeats a group that holds a repetition or alternatives"},
      {"((ab)+)+", "repeats a group"},
      {"(a+){10}", "repeats a group"},
      {"a?a?a?a?a?a?a?aaaaaaa", "has more than 6 repetitions"},
      {".*.*.*.*.*.*.*z", "has more than 6 repetitions"},
  };
  for (const auto& [expression, expected] : refused) {
    auto parsed = ParseAgentProxyConfig(ConfigWithBypass({"ok", expression}));
    ASSERT_FALSE(parsed.ok()) << expression;
    const std::string& message = parsed.status().message();
    EXPECT_NE(message.find("bypass list entry 2 " + expected),
              std::string::npos)
        << expression << " -> " << message;
    EXPECT_EQ(message.find(expression), std::string::npos);
  }
  auto many = ParseAgentProxyConfig(
      ConfigWithBypass(std::vector<std::string>(1001, "x")));
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.status().message().find("more than 1000 entries"),
            std::string::npos);
  // A disabled proxy's list is never evaluated, so it is not judged.
  std::string disabled = ConfigWithBypass({"(a*)*b"});
  disabled.replace(disabled.find("enabled='true'"), 14, "enabled='false'");
  EXPECT_TRUE(ParseAgentProxyConfig(disabled).ok());
}

}  // namespace
}  // namespace entra_pta::probe

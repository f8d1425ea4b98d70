#include "collectors/probe/agent_proxy_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace entra_pta::endpoint {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(ENTRA_PTA_FIXTURE_DIR) + "/" + name;
}

AgentProxy ReadOk(const std::string& name) {
  auto read = ReadAgentProxyConfig(Fixture(name));
  if (auto* status = std::get_if<Status>(&read)) {
    ADD_FAILURE() << name << ": " << status->message();
    return {};
  }
  return std::get<AgentProxy>(read);
}

std::string ReadError(const std::string& name) {
  auto read = ReadAgentProxyConfig(Fixture(name));
  if (auto* status = std::get_if<Status>(&read)) return status->message();
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
       "not well-formed XML: 6:1: unexpected end of file inside <proxy>"},
      {"agent-mismatched.exe.config",
       "not well-formed XML: 5:18: end tag </system.net> does not match "
       "<defaultProxy>"},
      {"agent-doctype.exe.config",
       "not well-formed XML: 2:1: document type declarations are not allowed"},
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
  const std::pair<std::string, std::string> cases[] = {
      {"", "no root element"},
      {"   \n", "no root element"},
      {"<configuration>", "is not closed"},
      {"<configuration></configuration><configuration/>",
       "a second root element"},
      {"text<configuration/>", "text outside the root element"},
      {"<configuration a=1/>", "expected a quoted value for a"},
      {"<configuration a='1' a='2'/>", "duplicate attribute a"},
      {"<configuration a='&bogus;'/>", "invalid character reference in a"},
      {"<configuration a='&#0;'/>", "invalid character reference in a"},
      {"<configuration a='&#xD800;'/>", "invalid character reference in a"},
      {"<configuration a='<'/>", "invalid character reference in a"},
      {"<configuration a='x", "unterminated value of a"},
      {"<configuration><!-- never closed", "unterminated comment"},
      {"<configuration><![CDATA[x", "unterminated CDATA section"},
      {"<?xml never closed", "unterminated <? ?>"},
      {"<configuration></>", "malformed end tag"},
      {"<>", "malformed start tag"},
      {"<configuration x/>", "expected = after x"},
      {"<configuration\"/>", "expected a space or >"},
      {std::string(100, '<'), "malformed start tag"},
  };
  for (const auto& [xml, expected] : cases) {
    auto parsed = ParseAgentProxyConfig(xml);
    ASSERT_TRUE(std::holds_alternative<Status>(parsed)) << xml;
    EXPECT_NE(std::get<Status>(parsed).message().find(expected),
              std::string::npos)
        << xml << " -> " << std::get<Status>(parsed).message();
  }
}

TEST(AgentProxyConfigTest, DeepNestingAndHugeFilesAreRefused) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  auto parsed = ParseAgentProxyConfig("<configuration>" + deep);
  ASSERT_TRUE(std::holds_alternative<Status>(parsed));
  EXPECT_NE(std::get<Status>(parsed).message().find("nesting too deep"),
            std::string::npos);
  std::string huge = "<configuration>" +
                     std::string(kMaxAgentConfigBytes, ' ') +
                     "</configuration>";
  parsed = ParseAgentProxyConfig(huge);
  ASSERT_TRUE(std::holds_alternative<Status>(parsed));
  EXPECT_NE(std::get<Status>(parsed).message().find("larger than"),
            std::string::npos);
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
    ASSERT_TRUE(std::holds_alternative<AgentProxy>(parsed))
        << ok << ": " << std::get<Status>(parsed).message();
    EXPECT_EQ(std::get<AgentProxy>(parsed).bypass_list.front(), ok);
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
    ASSERT_TRUE(std::holds_alternative<Status>(parsed)) << expression;
    const std::string& message = std::get<Status>(parsed).message();
    EXPECT_NE(message.find("bypass list entry 2 " + expected),
              std::string::npos)
        << expression << " -> " << message;
    EXPECT_EQ(message.find(expression), std::string::npos);
  }
  auto many = ParseAgentProxyConfig(
      ConfigWithBypass(std::vector<std::string>(1001, "x")));
  ASSERT_TRUE(std::holds_alternative<Status>(many));
  EXPECT_NE(std::get<Status>(many).message().find("more than 1000 entries"),
            std::string::npos);
  // A disabled proxy's list is never evaluated, so it is not judged.
  std::string disabled = ConfigWithBypass({"(a*)*b"});
  disabled.replace(disabled.find("enabled='true'"), 14, "enabled='false'");
  EXPECT_TRUE(
      std::holds_alternative<AgentProxy>(ParseAgentProxyConfig(disabled)));
}

}  // namespace
}  // namespace entra_pta::endpoint

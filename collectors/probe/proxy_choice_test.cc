#include "collectors/probe/proxy_choice.h"

#include <gtest/gtest.h>

#include <map>

namespace entra_pta::probe {
namespace {

Target T(const std::string& url) {
  std::string error;
  return *ParseTargetUrl("t", url, &error);
}

EnvironmentLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(NoProxyMatchesTest, FollowsCurlSyntax) {
  EXPECT_TRUE(NoProxyMatches("*", "anything"));
  EXPECT_TRUE(NoProxyMatches("contoso.com", "contoso.com"));
  EXPECT_TRUE(NoProxyMatches("contoso.com", "a.b.contoso.com"));
  EXPECT_TRUE(NoProxyMatches(".contoso.com", "contoso.com"));
  EXPECT_TRUE(NoProxyMatches("x, .contoso.com", "DC1.Contoso.com"));
  EXPECT_TRUE(NoProxyMatches("localhost 127.0.0.1", "127.0.0.1"));
  EXPECT_TRUE(NoProxyMatches("[::1]", "::1"));
  EXPECT_FALSE(NoProxyMatches("contoso.com", "notcontoso.com"));
  EXPECT_FALSE(NoProxyMatches("", "contoso.com"));
  EXPECT_FALSE(NoProxyMatches(" , ", "contoso.com"));
  EXPECT_FALSE(NoProxyMatches("127.0.0.1", "127.0.0.10"));
}

TEST(RedactProxyUrlTest, DropsUserInformationOnly) {
  EXPECT_EQ(RedactProxyUrl("http://user:secret@proxy:3128"),
            "http://proxy:3128");
  EXPECT_EQ(RedactProxyUrl("http://us@er:p@ss@proxy:3128/"),
            "http://proxy:3128/");
  EXPECT_EQ(RedactProxyUrl("http://proxy:3128"), "http://proxy:3128");
  EXPECT_EQ(RedactProxyUrl(""), "");
}

TEST(ChooseProxyTest, ConfigBeatsAgentBeatsEnvironment) {
  ProxySettings settings;
  settings.proxy_url = "http://config:1";
  AgentProxy agent{"http://agent:2", false, {}};
  auto env = Env({{"https_proxy", "http://env:3"}});
  ProxyDecision d = ChooseProxy(T("https://login.microsoftonline.com/"),
                                settings, agent, env);
  EXPECT_EQ(d.proxy_url, "http://config:1");
  EXPECT_EQ(d.source, "config");
  settings.proxy_url.clear();
  d = ChooseProxy(T("https://login.microsoftonline.com/"), settings, agent,
                  env);
  EXPECT_EQ(d.proxy_url, "http://agent:2");
  EXPECT_EQ(d.source, "agent_config");
  d = ChooseProxy(T("https://login.microsoftonline.com/"), settings,
                  std::nullopt, env);
  EXPECT_EQ(d.proxy_url, "http://env:3");
  EXPECT_EQ(d.source, "environment");
  settings.from_environment = false;
  d = ChooseProxy(T("https://login.microsoftonline.com/"), settings,
                  std::nullopt, env);
  EXPECT_EQ(d.proxy_url, "");
  EXPECT_EQ(d.source, "none");
}

TEST(ChooseProxyTest, AnAgentWithoutProxyMeansDirectEvenWithEnvironment) {
  ProxySettings settings;
  auto env = Env({{"https_proxy", "http://env:3"}});
  EXPECT_EQ(
      ChooseProxy(T("https://x.com/"), settings, AgentProxy{}, env).proxy_url,
      "");
}

TEST(ChooseProxyTest, EnvironmentVariablesLikeCurl) {
  ProxySettings settings;
  EXPECT_EQ(ChooseProxy(T("https://x.com/"), settings, std::nullopt,
                        Env({{"HTTPS_PROXY", "http://p:1"}}))
                .proxy_url,
            "http://p:1");
  // HTTP_PROXY in upper case is ignored, as curl does.
  EXPECT_EQ(ChooseProxy(T("http://x.com/"), settings, std::nullopt,
                        Env({{"HTTP_PROXY", "http://p:1"}}))
                .proxy_url,
            "");
  EXPECT_EQ(ChooseProxy(T("http://x.com/"), settings, std::nullopt,
                        Env({{"http_proxy", "http://p:1"}}))
                .proxy_url,
            "http://p:1");
  EXPECT_EQ(ChooseProxy(T("http://x.com/"), settings, std::nullopt,
                        Env({{"ALL_PROXY", "http://all:1"}}))
                .proxy_url,
            "http://all:1");
  EXPECT_EQ(
      ChooseProxy(T("https://a.x.com/"), settings, std::nullopt,
                  Env({{"https_proxy", "http://p:1"}, {"NO_PROXY", "x.com"}}))
          .proxy_url,
      "");
}

TEST(ChooseProxyTest, NoProxyFromConfigExcludesEverySource) {
  ProxySettings settings;
  settings.proxy_url = "http://config:1";
  settings.no_proxy = "localhost,.internal";
  EXPECT_EQ(
      ChooseProxy(T("https://a.internal/"), settings, std::nullopt, Env({}))
          .proxy_url,
      "");
  EXPECT_EQ(ChooseProxy(T("https://login.windows.net/"), settings, std::nullopt,
                        Env({}))
                .proxy_url,
            "http://config:1");
}

TEST(ChooseProxyTest, AgentBypassRules) {
  ProxySettings settings;
  AgentProxy agent{"http://agent:2", true, {"contoso\\.com", "([invalid"}};
  EXPECT_EQ(
      ChooseProxy(T("http://intranet/"), settings, agent, Env({})).proxy_url,
      "");
  EXPECT_EQ(ChooseProxy(T("https://www.contoso.com/"), settings, agent, Env({}))
                .proxy_url,
            "");
  EXPECT_EQ(ChooseProxy(T("https://login.microsoftonline.com/"), settings,
                        agent, Env({}))
                .proxy_url,
            "http://agent:2");
}

}  // namespace
}  // namespace entra_pta::probe

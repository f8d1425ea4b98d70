#include "collectors/agent/trust_settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace entra_pta::agent {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(ENTRA_PTA_AGENT_TESTDATA) + "/" + name,
                   std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ErrorOf(std::string_view xml) {
  auto parsed = ParseTrustSettings(xml);
  if (!parsed.ok()) return parsed.status().message();
  return "(parsed)";
}

TEST(TrustSettingsTest, ParsesTheFixture) {
  auto parsed = ParseTrustSettings(Fixture("TrustSettings.xml"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->thumbprint, "3F29132A414EAEDF42645B75D3968C030DF00CEC");
  EXPECT_FALSE(parsed->in_user_store);
}

TEST(TrustSettingsTest, ByteOrderMarkAndUserStore) {
  auto parsed = ParseTrustSettings(Fixture("TrustSettings-bom.xml"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(parsed->in_user_store);
}

TEST(TrustSettingsTest, BadFilesAreErrors) {
  EXPECT_EQ(ErrorOf("<A><B/></A>"), "TrustSettings.xml has no <Thumbprint>");
  EXPECT_EQ(ErrorOf("<A><Thumbprint>12 34</Thumbprint></A>"),
            "TrustSettings.xml: the thumbprint has 4 hex digits, expected 40 "
            "(SHA-1)");
  EXPECT_EQ(ErrorOf("<A><Thumbprint>zz</Thumbprint></A>"),
            "TrustSettings.xml: the thumbprint is not hexadecimal");
  EXPECT_EQ(ErrorOf("<A><Thumbprint>" + std::string(40, 'a') +
                    "</Thumbprint><IsInUserStore>maybe</IsInUserStore></A>"),
            "TrustSettings.xml: IsInUserStore is \"maybe\", expected true or "
            "false");
  EXPECT_EQ(ErrorOf("<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                    "<A>&e;</A>"),
            "malformed TrustSettings.xml: 1:13: DOCTYPE and other "
            "declarations are not accepted");
  const std::string good = Fixture("TrustSettings.xml");
  for (std::size_t n = 0; n + 2 < good.size(); n += 5) {
    EXPECT_NE(ErrorOf(good.substr(0, n)), "(parsed)") << n;
  }
}

}  // namespace
}  // namespace entra_pta::agent

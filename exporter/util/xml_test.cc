#include "exporter/util/xml.h"

#include <gtest/gtest.h>

namespace entra_pta {
namespace {

std::vector<XmlElement> Ok(std::string_view xml) {
  auto result = ParseXml(xml);
  if (!result.ok()) {
    ADD_FAILURE() << result.status().message();
    return {};
  }
  return *std::move(result);
}

std::string Error(std::string_view xml, XmlLimits limits = {}) {
  auto result = ParseXml(xml, limits);
  if (!result.ok()) return result.status().message();
  return "(parsed)";
}

TEST(XmlTest, ElementsAttributesAndText) {
  auto elements = Ok(
      "\xEF\xBB\xBF<?xml version='1.0'?>\n<!-- c --><a:Root xmlns:a='u'>"
      "<Child k=\"v &amp; w\" j='&#x41;&#66;'>t&lt;1<![CDATA[<raw>]]></Child>"
      "<Empty/></a:Root>\n");
  ASSERT_EQ(elements.size(), 3u);
  EXPECT_EQ(elements[0].name, "Root");
  EXPECT_EQ(elements[0].depth, 0);
  EXPECT_EQ(elements[1].name, "Child");
  EXPECT_EQ(elements[1].depth, 1);
  EXPECT_EQ(*elements[1].Attribute("k"), "v & w");
  EXPECT_EQ(*elements[1].Attribute("j"), "AB");
  EXPECT_EQ(elements[1].Attribute("missing"), nullptr);
  EXPECT_EQ(elements[1].text, "t<1<raw>");
  EXPECT_EQ(elements[2].name, "Empty");
  EXPECT_EQ(elements[2].depth, 1);
}

TEST(XmlTest, Utf16WithByteOrderMarkArrivesAsUtf8) {
  // "<a b='é'/>" in UTF-16LE: expat converts it; the old scanner could not.
  const std::string utf16("\xFF\xFE<\0a\0 \0b\0=\0'\0\xE9\0'\0/\0>\0", 22);
  auto elements = Ok(utf16);
  ASSERT_EQ(elements.size(), 1u);
  EXPECT_EQ(*elements[0].Attribute("b"), "\xC3\xA9");
}

TEST(XmlTest, MalformedInputIsAnErrorWithLineAndColumn) {
  const std::pair<std::string, std::string> cases[] = {
      {"<a>\n<b></a>", "2:6: end tag </a> does not close <b>"},
      {"<a><b>", "1:7: unexpected end of document inside <b>"},
      {"", "1:1: no root element"},
      {" \n ", "2:2: no root element"},
      {"<a x=1/>", "1:6: not well-formed (invalid token)"},
      {"<a x='1' x='2'/>", "1:10: duplicate attribute"},
      {"<a p:x='1' q:x='2'/>", "1:1: duplicate attribute x in <a>"},
      {"<a>&bogus;</a>", "1:4: undefined entity"},
      {"<a>&#0;</a>", "1:4: reference to invalid character number"},
      {"<a>&#xD800;</a>", "1:4: reference to invalid character number"},
      {"<a/><b/>", "1:5: content after the root element"},
      {"<a/>junk", "1:5: content after the root element"},
      {"junk<a/>", "1:5: not well-formed (invalid token)"},
      {"<a><!-- open", "1:4: the document ends inside a tag or comment in <a>"},
      {"<a x='1", "1:1: the document ends inside a tag or comment"},
      {"<a>&amp", "1:4: the document ends inside a tag or comment in <a>"},
      {"<a x='<'/>", "1:7: not well-formed (invalid token)"},
      {std::string("<a>\0</a>", 8), "1:4: not well-formed (invalid token)"},
      {"<a>\xff</a>", "1:4: not well-formed (invalid token)"},
  };
  for (const auto& [xml, expected] : cases) {
    EXPECT_EQ(Error(xml), expected) << xml;
  }
}

TEST(XmlTest, HostileInputIsRefusedNotExpanded) {
  // expat reports the declaration once it has read its name (and external
  // identifier); it never reads the internal subset.
  EXPECT_EQ(Error("<!DOCTYPE a [<!ENTITY x 'xx'>]><a>&x;</a>"),
            "1:13: DOCTYPE and other declarations are not accepted");
  EXPECT_EQ(Error("<!DOCTYPE a SYSTEM 'file:///etc/passwd'><a/>"),
            "1:40: DOCTYPE and other declarations are not accepted");
  // Billion laughs: refused at the DOCTYPE, before any expansion.
  std::string laughs = "<!DOCTYPE l [<!ENTITY l0 'ha'>";
  for (int i = 1; i < 10; ++i) {
    laughs += "<!ENTITY l" + std::to_string(i) + " '";
    for (int j = 0; j < 10; ++j) laughs += "&l" + std::to_string(i - 1) + ";";
    laughs += "'>";
  }
  laughs += "]><l>&l9;</l>";
  EXPECT_EQ(Error(laughs),
            "1:13: DOCTYPE and other declarations are not accepted");
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<d>";
  EXPECT_EQ(Error(deep), "1:193: elements nested deeper than 64");
  std::string wide = "<r>";
  for (int i = 0; i < 20; ++i) wide += "<e/>";
  wide += "</r>";
  XmlLimits limits;
  limits.max_elements = 10;
  EXPECT_EQ(Error(wide, limits), "1:40: more than 10 elements");
  limits = {};
  limits.max_bytes = wide.size() - 1;
  EXPECT_EQ(Error(wide, limits), "the document is larger than " +
                                     std::to_string(wide.size() - 1) +
                                     " bytes");
  // Every prefix of a valid document is an error, never a crash.
  const std::string doc = "<a k='v'><b>x&amp;y</b><![CDATA[z]]><c/></a>";
  for (std::size_t n = 0; n < doc.size(); ++n) {
    EXPECT_NE(Error(doc.substr(0, n)), "(parsed)") << n;
  }
}

TEST(XmlTest, ErrorsDoNotQuoteValues) {
  const std::string secret = "http://user:hunter2@proxy";
  for (const std::string& xml :
       {"<a x='" + secret + "' x='" + secret + "'/>",
        "<a x='" + secret + "&bogus;'/>", "<a>" + secret + "</b>",
        "<a x='" + secret + "<'/>"}) {
    const std::string error = Error(xml);
    EXPECT_NE(error, "(parsed)") << xml;
    EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace entra_pta

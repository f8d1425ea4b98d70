#include "exporter/util/xml_scan.h"

#include <gtest/gtest.h>

namespace entra_pta {
namespace {

std::vector<XmlElement> Ok(std::string_view xml) {
  auto result = ScanXml(xml);
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << *error;
    return {};
  }
  return std::get<std::vector<XmlElement>>(result);
}

std::string Error(std::string_view xml, XmlLimits limits = {}) {
  auto result = ScanXml(xml, limits);
  if (auto* error = std::get_if<std::string>(&result)) return *error;
  return "(parsed)";
}

TEST(XmlScanTest, ElementsAttributesAndText) {
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
}

TEST(XmlScanTest, MalformedInputIsAnErrorWithALine) {
  EXPECT_EQ(Error("<a>\n<b></a>"), "line 2: end tag </a> does not close <b>");
  EXPECT_EQ(Error("<a><b>"), "line 1: unexpected end of document inside <b>");
  EXPECT_EQ(Error(""), "no element in the document");
  EXPECT_EQ(Error("<a x=1/>"), "line 1: attribute x value is not quoted");
  EXPECT_EQ(Error("<a x='1' x='2'/>"), "line 1: duplicate attribute x");
  EXPECT_EQ(Error("<a>&bogus;</a>"), "line 1: unknown entity &bogus;");
  EXPECT_EQ(Error("<a>&#0;</a>"), "line 1: unknown entity &#0;");
  EXPECT_EQ(Error("<a>&#xD800;</a>"), "line 1: unknown entity &#xD800;");
  EXPECT_EQ(Error("<a/><b/>"), "line 1: more than one root element");
  EXPECT_EQ(Error("junk<a/>"), "line 1: text before the root element");
  EXPECT_EQ(Error("<a><!-- open"), "line 1: unterminated comment");
  EXPECT_EQ(Error("<a x='1"), "line 1: unterminated value of attribute x");
  EXPECT_EQ(Error("<a>&amp"), "line 1: unterminated entity reference");
}

TEST(XmlScanTest, HostileInputIsRefusedNotExpanded) {
  EXPECT_EQ(Error("<!DOCTYPE a [<!ENTITY x 'xx'>]><a>&x;</a>"),
            "line 1: DOCTYPE and other declarations are not accepted");
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<d>";
  EXPECT_EQ(Error(deep), "line 1: elements nested deeper than 64");
  std::string wide = "<r>";
  for (int i = 0; i < 20; ++i) wide += "<e/>";
  wide += "</r>";
  XmlLimits limits;
  limits.max_elements = 10;
  EXPECT_EQ(Error(wide, limits), "line 1: more than 10 elements");
  // Every prefix of a valid document is an error, never a crash.
  const std::string doc = "<a k='v'><b>x&amp;y</b><![CDATA[z]]><c/></a>";
  for (std::size_t n = 0; n < doc.size(); ++n) {
    EXPECT_NE(Error(doc.substr(0, n)), "(parsed)") << n;
  }
}

}  // namespace
}  // namespace entra_pta

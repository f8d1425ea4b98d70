// XmlScan: a small, bounded XML reader for the few documents the exporter
// reads (rendered Windows events, the PTA agent's TrustSettings.xml). It
// returns the elements as a flat list in document order; it never expands
// DTDs or custom entities (a DOCTYPE is rejected), never recurses, and caps
// the element count and depth, so hostile input costs linear time and ends in
// an error message, not a crash.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace entra_pta {

struct XmlElement {
  std::string name;  // local name: a namespace prefix ("a:Event") is dropped
  int depth = 0;     // the root element has depth 0
  std::vector<std::pair<std::string, std::string>> attributes;  // decoded
  std::string text;  // decoded character data directly inside the element

  // The attribute's value, or nullptr when absent.
  const std::string* Attribute(std::string_view attribute_name) const;
};

struct XmlLimits {
  std::size_t max_elements = 10'000;
  int max_depth = 64;
};

// The document's elements, or an error such as "line 3: unexpected end of
// document inside <System>".
std::variant<std::vector<XmlElement>, std::string> ScanXml(
    std::string_view text, XmlLimits limits = {});

}  // namespace entra_pta

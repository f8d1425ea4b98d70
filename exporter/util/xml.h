// The one XML reader of the exporter, on expat, for the few documents it
// reads: rendered Windows events, the PTA agent's TrustSettings.xml and its
// .exe.config (proxy settings). It returns the elements as a flat list in
// document order (a tiny DOM: name, depth, attributes, direct text).
// Hostile input is refused, not processed: a document type declaration
// (<!DOCTYPE>, where entities would be declared) stops the parse, so no
// entity is ever expanded beyond the five predefined ones and character
// references; size, element count and depth are capped. Errors are one line
// starting with "line:column: ".
// Thread-safety: pure function (one expat parser per call).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta {

struct XmlElement {
  std::string name;  // local name: a namespace prefix ("a:Event") is dropped
  int depth = 0;     // the root element has depth 0
  // Decoded values, in document order, names without prefix.
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // decoded character data (and CDATA) directly inside

  // The attribute's value, or nullptr when absent.
  const std::string* Attribute(std::string_view attribute_name) const;
};

struct XmlLimits {
  std::size_t max_bytes = 1 << 20;
  std::size_t max_elements = 10'000;
  int max_depth = 64;
};

// The document's elements (at least the root), or an error such as
// "3:7: unexpected end of document inside <System>". Errors name elements
// but never quote attribute values or text (a proxy URL may carry a
// password).
StatusOr<std::vector<XmlElement>> ParseXml(std::string_view text,
                                           const XmlLimits& limits = {});

}  // namespace entra_pta

#include "collectors/agent/trust_settings.h"

#include "exporter/util/xml_scan.h"

namespace entra_pta::agent {

std::variant<TrustSettings, std::string> ParseTrustSettings(
    std::string_view xml) {
  XmlLimits limits;
  limits.max_elements = 1000;
  limits.max_depth = 16;
  auto scanned = ScanXml(xml, limits);
  if (auto* error = std::get_if<std::string>(&scanned)) {
    return "malformed TrustSettings.xml: " + *error;
  }
  TrustSettings settings;
  bool found = false, saw_user_store = false;
  for (const XmlElement& element : std::get<std::vector<XmlElement>>(scanned)) {
    if (element.name == "Thumbprint" && !found) {
      for (char c : element.text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                   (c >= 'A' && c <= 'F');
        if (!hex) {
          return std::string(
              "TrustSettings.xml: the thumbprint is not "
              "hexadecimal");
        }
        settings.thumbprint +=
            (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
      }
      if (settings.thumbprint.size() != 40) {
        return "TrustSettings.xml: the thumbprint has " +
               std::to_string(settings.thumbprint.size()) +
               " hex digits, expected 40 (SHA-1)";
      }
      found = true;
    } else if (element.name == "IsInUserStore" && !saw_user_store) {
      saw_user_store = true;
      std::string value = element.text;
      if (value == "true" || value == "True") {
        settings.in_user_store = true;
      } else if (value != "false" && value != "False") {
        return "TrustSettings.xml: IsInUserStore is \"" + value.substr(0, 16) +
               "\", expected true or false";
      }
    }
  }
  if (!found) return std::string("TrustSettings.xml has no <Thumbprint>");
  return settings;
}

}  // namespace entra_pta::agent

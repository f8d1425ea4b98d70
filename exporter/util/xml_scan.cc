#include "exporter/util/xml_scan.h"

#include <cstdint>
#include <optional>

namespace entra_pta {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-' ||
         c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void AppendUtf8(std::uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// Decodes one entity reference body (between '&' and ';').
std::optional<std::string> DecodeEntity(std::string_view body) {
  if (body == "amp") return "&";
  if (body == "lt") return "<";
  if (body == "gt") return ">";
  if (body == "quot") return "\"";
  if (body == "apos") return "'";
  if (body.size() < 2 || body[0] != '#') return std::nullopt;
  bool hex = body[1] == 'x' || body[1] == 'X';
  std::string_view digits = body.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : digits) {
    std::uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint32_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      digit = static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = value * (hex ? 16u : 10u) + digit;
  }
  if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return std::nullopt;
  }
  std::string out;
  AppendUtf8(value, out);
  return out;
}

class Scanner {
 public:
  Scanner(std::string_view text, XmlLimits limits)
      : text_(text), limits_(limits) {}

  std::variant<std::vector<XmlElement>, std::string> Run() {
    while (pos_ < text_.size()) {
      if (text_[pos_] != '<') {
        if (!CharacterData()) return error_;
        continue;
      }
      bool ok;
      if (StartsWith("<?")) {
        ok = SkipPast("?>", "processing instruction");
      } else if (StartsWith("<!--")) {
        ok = SkipPast("-->", "comment");
      } else if (StartsWith("<![CDATA[")) {
        ok = Cdata();
      } else if (StartsWith("<!")) {
        ok = Fail("DOCTYPE and other declarations are not accepted");
      } else if (StartsWith("</")) {
        ok = EndTag();
      } else {
        ok = StartTag();
      }
      if (!ok) return error_;
    }
    if (!open_.empty()) {
      Fail("unexpected end of document inside <" +
           elements_[open_.back()].name + ">");
      return error_;
    }
    if (elements_.empty()) return std::string("no element in the document");
    return std::move(elements_);
  }

 private:
  bool StartsWith(std::string_view prefix) const {
    return text_.substr(pos_, prefix.size()) == prefix;
  }

  bool Fail(const std::string& message) {
    int line = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line;
    }
    error_ = "line " + std::to_string(line) + ": " + message;
    return false;
  }

  bool SkipPast(std::string_view terminator, const char* what) {
    std::size_t end = text_.find(terminator, pos_);
    if (end == std::string_view::npos) {
      return Fail(std::string("unterminated ") + what);
    }
    pos_ = end + terminator.size();
    return true;
  }

  bool Cdata() {
    std::size_t start = pos_ + 9;
    std::size_t end = text_.find("]]>", start);
    if (end == std::string_view::npos) return Fail("unterminated CDATA");
    if (open_.empty()) return Fail("CDATA outside the root element");
    elements_[open_.back()].text.append(text_.substr(start, end - start));
    pos_ = end + 3;
    return true;
  }

  // Decodes text up to `stop` (exclusive) into `out`.
  bool Decode(std::size_t stop, std::string& out) {
    while (pos_ < stop) {
      char c = text_[pos_];
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      std::size_t semicolon = text_.find(';', pos_);
      if (semicolon == std::string_view::npos || semicolon > stop ||
          semicolon - pos_ > 12) {
        return Fail("unterminated entity reference");
      }
      auto decoded = DecodeEntity(text_.substr(pos_ + 1, semicolon - pos_ - 1));
      if (!decoded) {
        return Fail("unknown entity &" +
                    std::string(text_.substr(pos_ + 1, semicolon - pos_ - 1)) +
                    ";");
      }
      out += *decoded;
      pos_ = semicolon + 1;
    }
    return true;
  }

  bool CharacterData() {
    std::size_t stop = text_.find('<', pos_);
    if (stop == std::string_view::npos) stop = text_.size();
    if (open_.empty()) {
      for (std::size_t i = pos_; i < stop; ++i) {
        if (!IsSpace(text_[i])) {
          return Fail(elements_.empty() ? "text before the root element"
                                        : "text after the root element");
        }
      }
      pos_ = stop;
      return true;
    }
    return Decode(stop, elements_[open_.back()].text);
  }

  std::string Name() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }

  static std::string LocalName(const std::string& qualified) {
    std::size_t colon = qualified.rfind(':');
    return colon == std::string::npos ? qualified : qualified.substr(colon + 1);
  }

  bool StartTag() {
    ++pos_;  // '<'
    std::string qualified = Name();
    if (qualified.empty()) return Fail("invalid tag name");
    if (open_.empty() && !elements_.empty()) {
      return Fail("more than one root element");
    }
    if (elements_.size() >= limits_.max_elements) {
      return Fail("more than " + std::to_string(limits_.max_elements) +
                  " elements");
    }
    if (static_cast<int>(open_.size()) >= limits_.max_depth) {
      return Fail("elements nested deeper than " +
                  std::to_string(limits_.max_depth));
    }
    XmlElement element;
    element.name = LocalName(qualified);
    element.depth = static_cast<int>(open_.size());
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size()) {
        return Fail("unexpected end of document in <" + qualified + ">");
      }
      if (text_[pos_] == '>') {
        ++pos_;
        open_.push_back(elements_.size());
        open_names_.push_back(qualified);
        elements_.push_back(std::move(element));
        return true;
      }
      if (StartsWith("/>")) {
        pos_ += 2;
        elements_.push_back(std::move(element));
        return true;
      }
      std::string attribute = Name();
      if (attribute.empty()) {
        return Fail("invalid attribute in <" + qualified + ">");
      }
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '=') {
        return Fail("attribute " + attribute + " has no value");
      }
      ++pos_;
      SkipSpace();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
        return Fail("attribute " + attribute + " value is not quoted");
      }
      char quote = text_[pos_++];
      std::size_t end = text_.find(quote, pos_);
      if (end == std::string_view::npos) {
        return Fail("unterminated value of attribute " + attribute);
      }
      if (text_.substr(pos_, end - pos_).find('<') != std::string_view::npos) {
        return Fail("'<' in the value of attribute " + attribute);
      }
      std::string value;
      if (!Decode(end, value)) return false;
      pos_ = end + 1;
      for (const auto& [seen, unused] : element.attributes) {
        if (seen == LocalName(attribute)) {
          return Fail("duplicate attribute " + attribute);
        }
      }
      element.attributes.emplace_back(LocalName(attribute), std::move(value));
    }
  }

  bool EndTag() {
    pos_ += 2;
    std::string qualified = Name();
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '>') {
      return Fail("malformed end tag </" + qualified + ">");
    }
    ++pos_;
    if (open_.empty())
      return Fail("end tag </" + qualified + "> without start");
    if (open_names_.back() != qualified) {
      return Fail("end tag </" + qualified + "> does not close <" +
                  open_names_.back() + ">");
    }
    open_.pop_back();
    open_names_.pop_back();
    return true;
  }

  std::string_view text_;
  XmlLimits limits_;
  std::size_t pos_ = 0;
  std::vector<XmlElement> elements_;
  std::vector<std::size_t> open_;  // indexes into elements_
  std::vector<std::string> open_names_;
  std::string error_;
};

}  // namespace

const std::string* XmlElement::Attribute(
    std::string_view attribute_name) const {
  for (const auto& [key, value] : attributes) {
    if (key == attribute_name) return &value;
  }
  return nullptr;
}

std::variant<std::vector<XmlElement>, std::string> ScanXml(
    std::string_view text, XmlLimits limits) {
  // A UTF-8 byte order mark is common in files written by .NET.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return Scanner(text, limits).Run();
}

}  // namespace entra_pta

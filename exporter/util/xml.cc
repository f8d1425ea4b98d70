#include "exporter/util/xml.h"

#include <expat.h>

#include <memory>

namespace entra_pta {
namespace {

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};
using ParserPtr = std::unique_ptr<XML_ParserStruct, ParserDeleter>;

std::string LocalName(const char* qualified) {
  std::string_view name(qualified);
  const std::size_t colon = name.rfind(':');
  if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
  return std::string(name);
}

// The element list under construction; expat's callbacks feed it.
class Builder {
 public:
  Builder(XML_Parser parser, std::string_view text, const XmlLimits& limits)
      : parser_(parser), text_(text), limits_(limits) {}

  void Start(const char* name, const char** attributes) {
    if (static_cast<int>(open_.size()) >= limits_.max_depth) {
      return Fail("elements nested deeper than " +
                  std::to_string(limits_.max_depth));
    }
    if (elements_.size() >= limits_.max_elements) {
      return Fail("more than " + std::to_string(limits_.max_elements) +
                  " elements");
    }
    XmlElement element;
    element.name = LocalName(name);
    element.depth = static_cast<int>(open_.size());
    for (const char** a = attributes; a[0] != nullptr; a += 2) {
      std::string local = LocalName(a[0]);
      // expat refuses the same qualified name twice; "p:x" and "q:x" are
      // the same attribute once the prefixes are dropped.
      if (element.Attribute(local) != nullptr) {
        return Fail("duplicate attribute " + local + " in <" + element.name +
                    ">");
      }
      element.attributes.emplace_back(std::move(local), a[1]);
    }
    open_.push_back(elements_.size());
    elements_.push_back(std::move(element));
  }

  void End() { open_.pop_back(); }

  void Text(const char* data, int length) {
    // Outside the root only whitespace reaches here (expat refuses the
    // rest), and it belongs to no element.
    if (open_.empty()) return;
    elements_[open_.back()].text.append(data, static_cast<std::size_t>(length));
  }

  void Fail(const std::string& message) {
    if (error_.empty()) error_ = Where() + message;
    XML_StopParser(parser_, XML_FALSE);
  }

  // After XML_Parse failed: ours, or expat's error in the project's words.
  std::string Error() const {
    if (!error_.empty()) return error_;
    const XML_Error code = XML_GetErrorCode(parser_);
    switch (code) {
      case XML_ERROR_NO_ELEMENTS:
        if (!open_.empty()) {
          return Where() + "unexpected end of document inside <" +
                 elements_[open_.back()].name + ">";
        }
        return Where() + "no root element";
      case XML_ERROR_TAG_MISMATCH:
        if (open_.empty()) break;
        return Where() + "end tag </" + EndTagNameAtError() +
               "> does not close <" + elements_[open_.back()].name + ">";
      case XML_ERROR_UNCLOSED_TOKEN:
        // expat's "unclosed token": the text ends inside a tag, comment,
        // processing instruction or declaration.
        return Where() + "the document ends inside a tag or comment" +
               (open_.empty() ? std::string()
                              : " in <" + elements_[open_.back()].name + ">");
      case XML_ERROR_JUNK_AFTER_DOC_ELEMENT:
        return Where() + "content after the root element";
      default:
        break;
    }
    return Where() + XML_ErrorString(code);
  }

  std::vector<XmlElement> TakeElements() { return std::move(elements_); }
  bool HasRoot() const { return !elements_.empty(); }

 private:
  // "line:column: " of the current event or error, 1-based.
  std::string Where() const {
    return std::to_string(XML_GetCurrentLineNumber(parser_)) + ":" +
           std::to_string(XML_GetCurrentColumnNumber(parser_) + 1) + ": ";
  }

  // The name in "</name>" where expat stopped, local part only.
  std::string EndTagNameAtError() const {
    const XML_Index at = XML_GetCurrentByteIndex(parser_);
    if (at < 0 || static_cast<std::size_t>(at) >= text_.size()) return "";
    std::size_t start = static_cast<std::size_t>(at);
    // expat points at the name; skip "</" should a version point before it.
    if (text_.substr(start, 2) == "</") start += 2;
    std::string name;
    for (std::size_t i = start; i < text_.size() && name.size() < 256; ++i) {
      const char c = text_[i];
      if (c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
      name += c;
    }
    return LocalName(name.c_str());
  }

  XML_Parser parser_;
  std::string_view text_;
  const XmlLimits& limits_;
  std::vector<XmlElement> elements_;
  std::vector<std::size_t> open_;  // indexes into elements_
  std::string error_;
};

Builder& BuilderOf(void* user_data) {
  return *static_cast<Builder*>(user_data);
}

extern "C" {

void OnStart(void* user_data, const XML_Char* name, const XML_Char** atts) {
  BuilderOf(user_data).Start(name, atts);
}

void OnEnd(void* user_data, const XML_Char*) { BuilderOf(user_data).End(); }

void OnText(void* user_data, const XML_Char* data, int length) {
  BuilderOf(user_data).Text(data, length);
}

void OnDoctype(void* user_data, const XML_Char*, const XML_Char*,
               const XML_Char*, int) {
  BuilderOf(user_data).Fail("DOCTYPE and other declarations are not accepted");
}

void OnEntityDeclaration(void* user_data, const XML_Char*, int, const XML_Char*,
                         int, const XML_Char*, const XML_Char*, const XML_Char*,
                         const XML_Char*) {
  BuilderOf(user_data).Fail("entity declarations are not accepted");
}

}  // extern "C"

}  // namespace

const std::string* XmlElement::Attribute(
    std::string_view attribute_name) const {
  for (const auto& [key, value] : attributes) {
    if (key == attribute_name) return &value;
  }
  return nullptr;
}

StatusOr<std::vector<XmlElement>> ParseXml(std::string_view text,
                                           const XmlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status::Error("the document is larger than " +
                         std::to_string(limits.max_bytes) + " bytes");
  }
  // No encoding given: expat honours a byte order mark (UTF-8 or UTF-16)
  // and the declaration, and hands every name and value over as UTF-8.
  ParserPtr parser(XML_ParserCreate(nullptr));
  if (parser == nullptr) return Status::Error("out of memory for the parser");
  Builder builder(parser.get(), text, limits);
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntityDeclaration);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
  // max_bytes is far below INT_MAX (checked above for the default; a
  // caller's larger limit is clamped here).
  if (text.size() > static_cast<std::size_t>(1) << 30) {
    return Status::Error("the document is larger than 1 GiB");
  }
  if (XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()),
                XML_TRUE) != XML_STATUS_OK) {
    return Status::Error(builder.Error());
  }
  return builder.TakeElements();
}

}  // namespace entra_pta

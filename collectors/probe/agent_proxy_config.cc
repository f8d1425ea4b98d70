#include "collectors/probe/agent_proxy_config.h"

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "exporter/util/ascii.h"
#include "exporter/util/env_expansion.h"

namespace entra_pta::endpoint {
namespace {

constexpr std::size_t kMaxDepth = 64;

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;  // names lower-cased
};

// A forward-only reader over the text that reports each element start to
// `on_start` with the path of enclosing element names.
class XmlReader {
 public:
  explicit XmlReader(const std::string& text) : text_(text) {}

  // Returns an empty string on success, else "line:column: problem".
  template <typename OnStart>
  std::string Read(OnStart on_start) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
    std::vector<std::string> open;
    bool seen_root = false;
    while (pos_ < text_.size()) {
      if (text_[pos_] != '<') {
        const std::size_t next = text_.find('<', pos_);
        const std::size_t end = next == std::string::npos ? text_.size() : next;
        if (open.empty()) {
          for (std::size_t i = pos_; i < end; ++i) {
            if (!std::isspace(static_cast<unsigned char>(text_[i]))) {
              pos_ = i;
              return Where() + "text outside the root element";
            }
          }
        }
        pos_ = end;
        continue;
      }
      if (Starts("<?")) {
        if (!SkipPast("?>")) return Where() + "unterminated <? ?>";
      } else if (Starts("<!--")) {
        if (!SkipPast("-->")) return Where() + "unterminated comment";
      } else if (Starts("<![CDATA[")) {
        if (open.empty()) return Where() + "CDATA outside the root element";
        if (!SkipPast("]]>")) return Where() + "unterminated CDATA section";
      } else if (Starts("<!")) {
        return Where() + "document type declarations are not allowed";
      } else if (Starts("</")) {
        pos_ += 2;
        std::string name = ReadName();
        SkipSpace();
        if (name.empty() || !Starts(">")) return Where() + "malformed end tag";
        ++pos_;
        if (open.empty() || open.back() != name) {
          return Where() + "end tag </" + name + "> does not match " +
                 (open.empty() ? std::string("any open element")
                               : "<" + open.back() + ">");
        }
        open.pop_back();
      } else {
        if (open.empty() && seen_root) {
          return Where() + "a second root element";
        }
        const std::size_t start = pos_;
        ++pos_;
        Element element;
        element.name = ReadName();
        if (element.name.empty()) {
          pos_ = start;
          return Where() + "malformed start tag";
        }
        bool self_closing = false;
        while (true) {
          const bool had_space = SkipSpace();
          if (pos_ >= text_.size()) {
            return Where() + "unexpected end of file inside <" + element.name +
                   ">";
          }
          if (Starts("/>")) {
            pos_ += 2;
            self_closing = true;
            break;
          }
          if (text_[pos_] == '>') {
            ++pos_;
            break;
          }
          if (!had_space) return Where() + "expected a space or >";
          std::string attribute = ReadName();
          if (attribute.empty()) return Where() + "malformed attribute";
          SkipSpace();
          if (!Starts("=")) return Where() + "expected = after " + attribute;
          ++pos_;
          SkipSpace();
          if (pos_ >= text_.size() ||
              (text_[pos_] != '"' && text_[pos_] != '\'')) {
            return Where() + "expected a quoted value for " + attribute;
          }
          const char quote = text_[pos_++];
          const std::size_t close = text_.find(quote, pos_);
          if (close == std::string::npos) {
            return Where() + "unterminated value of " + attribute;
          }
          std::optional<std::string> value =
              DecodeEntities(text_.substr(pos_, close - pos_));
          if (!value) {
            return Where() + "invalid character reference in " + attribute;
          }
          const std::string key = AsciiLower(attribute);
          if (element.attributes.count(key) != 0) {
            return Where() + "duplicate attribute " + attribute;
          }
          element.attributes[key] = *value;
          pos_ = close + 1;
        }
        seen_root = true;
        on_start(open, element);
        if (!self_closing) {
          if (open.size() >= kMaxDepth) return Where() + "nesting too deep";
          open.push_back(element.name);
        }
      }
    }
    if (!open.empty()) {
      return Where() + "unexpected end of file: <" + open.back() +
             "> is not closed";
    }
    if (!seen_root) return Where() + "no root element";
    return "";
  }

 private:
  bool Starts(const char* prefix) const {
    return text_.compare(pos_, std::char_traits<char>::length(prefix),
                         prefix) == 0;
  }
  bool SkipPast(const char* terminator) {
    const std::size_t at = text_.find(terminator, pos_);
    if (at == std::string::npos) return false;
    pos_ = at + std::char_traits<char>::length(terminator);
    return true;
  }
  bool SkipSpace() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
    return pos_ != start;
  }
  std::string ReadName() {
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == ':' ||
          c >= 0x80) {
        ++pos_;
      } else {
        break;
      }
    }
    return text_.substr(start, pos_ - start);
  }
  static std::optional<std::string> DecodeEntities(const std::string& raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '<') return std::nullopt;
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      const std::size_t semi = raw.find(';', i);
      if (semi == std::string::npos || semi - i > 10) return std::nullopt;
      const std::string entity = raw.substr(i + 1, semi - i - 1);
      i = semi;
      if (entity == "amp") {
        out += '&';
      } else if (entity == "lt") {
        out += '<';
      } else if (entity == "gt") {
        out += '>';
      } else if (entity == "quot") {
        out += '"';
      } else if (entity == "apos") {
        out += '\'';
      } else if (entity.size() > 1 && entity[0] == '#') {
        const bool hex = entity[1] == 'x' || entity[1] == 'X';
        const std::string digits = entity.substr(hex ? 2 : 1);
        if (digits.empty() || digits.size() > 6) return std::nullopt;
        unsigned long code = 0;
        for (char c : digits) {
          if (hex ? !std::isxdigit(static_cast<unsigned char>(c))
                  : !std::isdigit(static_cast<unsigned char>(c))) {
            return std::nullopt;
          }
        }
        code = std::stoul(digits, nullptr, hex ? 16 : 10);
        if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
          return std::nullopt;
        // UTF-8 encode.
        if (code < 0x80) {
          out += static_cast<char>(code);
        } else if (code < 0x800) {
          out += static_cast<char>(0xC0 | (code >> 6));
          out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
          out += static_cast<char>(0xE0 | (code >> 12));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (code >> 18));
          out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (code & 0x3F));
        }
      } else {
        return std::nullopt;
      }
    }
    return out;
  }
  std::string Where() const {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  const std::string& text_;
  std::size_t pos_ = 0;
};

bool IsTrue(const std::map<std::string, std::string>& attributes,
            const std::string& name, bool default_value) {
  auto it = attributes.find(name);
  if (it == attributes.end()) return default_value;
  return AsciiLower(it->second) == "true";
}

bool PathIs(const std::vector<std::string>& open,
            std::initializer_list<const char*> expected) {
  if (open.size() != expected.size()) return false;
  std::size_t i = 0;
  for (const char* name : expected) {
    if (open[i++] != name) return false;
  }
  return true;
}

// The bypass list holds .NET regular expressions that ChooseProxy runs with
// std::regex against each probed URL. std::regex compiles and matches by
// recursion and backtracking, so a deeply nested expression ("((((...")
// overflows the stack and an ambiguous one ("(a*)*", "(.|.)*", "a?a?a?...")
// runs for ages. Real bypass entries are short and simple
// ("[a-z]+\\.contoso\\.com", "10\\.\\d+\\.\\d+\\.\\d+"): these limits refuse
// only pathological ones, keeping the worst case polynomial and small.
// Returns what is wrong, or "".
constexpr std::size_t kMaxBypassEntries = 1000;
constexpr std::size_t kMaxBypassExpressionBytes = 256;
constexpr int kMaxBypassNesting = 8;
constexpr int kMaxBypassQuantifiers = 6;

std::string BypassExpressionProblem(const std::string& expression) {
  if (expression.size() > kMaxBypassExpressionBytes) {
    return "is longer than " + std::to_string(kMaxBypassExpressionBytes) +
           " bytes";
  }
  // Per open group: whether it holds a quantifier or an alternation, which
  // repeating the group would make ambiguous.
  std::vector<bool> groups;
  bool after_ambiguous_group = false;  // just after ")" of such a group
  bool after_quantifier = false;       // "?" there makes it lazy, not more
  bool in_class = false;
  int quantifiers = 0;
  for (std::size_t i = 0; i < expression.size(); ++i) {
    const char c = expression[i];
    const bool follows_ambiguous_group = after_ambiguous_group;
    const bool follows_quantifier = after_quantifier;
    after_ambiguous_group = false;
    after_quantifier = false;
    if (c == '\\') {
      ++i;  // the escaped character is a literal or a class like \d
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      continue;
    }
    switch (c) {
      case '[':
        in_class = true;
        break;
      case '(':
        groups.push_back(false);
        if (static_cast<int>(groups.size()) > kMaxBypassNesting) {
          return "nests groups deeper than " +
                 std::to_string(kMaxBypassNesting);
        }
        break;
      case ')':
        if (!groups.empty()) {
          after_ambiguous_group = groups.back();
          groups.pop_back();
          if (!groups.empty() && after_ambiguous_group) groups.back() = true;
        }
        break;
      case '|':
        if (!groups.empty()) groups.back() = true;
        break;
      case '*':
      case '+':
      case '?':
      case '{':
        if (c == '?' && follows_quantifier) break;  // lazy: "*?"
        if (follows_ambiguous_group) {
          return "repeats a group that holds a repetition or alternatives";
        }
        if (++quantifiers > kMaxBypassQuantifiers) {
          return "has more than " + std::to_string(kMaxBypassQuantifiers) +
                 " repetitions";
        }
        if (!groups.empty()) groups.back() = true;
        if (c == '{') {
          const std::size_t close = expression.find('}', i);
          if (close != std::string::npos) i = close;
        }
        after_quantifier = true;
        break;
      default:
        break;
    }
  }
  return "";
}

}  // namespace

std::variant<AgentProxy, Status> ParseAgentProxyConfig(const std::string& xml) {
  if (xml.size() > kMaxAgentConfigBytes) {
    return Status::Error("the agent configuration file is larger than " +
                         std::to_string(kMaxAgentConfigBytes) + " bytes");
  }
  AgentProxy proxy;
  bool enabled = true;
  bool seen_default_proxy = false;
  std::string root_name;
  XmlReader reader(xml);
  std::string problem = reader.Read([&](const std::vector<std::string>& open,
                                        const Element& element) {
    if (open.empty()) root_name = element.name;
    if (element.name == "defaultProxy" &&
        PathIs(open, {"configuration", "system.net"})) {
      seen_default_proxy = true;
      enabled = IsTrue(element.attributes, "enabled", true);
    } else if (element.name == "proxy" &&
               PathIs(open, {"configuration", "system.net", "defaultProxy"})) {
      auto address = element.attributes.find("proxyaddress");
      if (address != element.attributes.end()) {
        proxy.address = address->second;
      }
      proxy.bypass_on_local =
          IsTrue(element.attributes, "bypassonlocal", false);
    } else if (element.name == "add" &&
               PathIs(open, {"configuration", "system.net", "defaultProxy",
                             "bypasslist"})) {
      auto address = element.attributes.find("address");
      if (address != element.attributes.end()) {
        proxy.bypass_list.push_back(address->second);
      }
    }
  });
  if (!problem.empty()) {
    return Status::Error(
        "the agent configuration file is not well-formed XML: " + problem);
  }
  if (root_name != "configuration") {
    return Status::Error("the agent configuration file's root element is <" +
                         root_name + ">, expected <configuration>");
  }
  if (!seen_default_proxy || !enabled) proxy = AgentProxy{};
  if (proxy.bypass_list.size() > kMaxBypassEntries) {
    return Status::Error("the agent's bypass list has more than " +
                         std::to_string(kMaxBypassEntries) + " entries");
  }
  for (std::size_t i = 0; i < proxy.bypass_list.size(); ++i) {
    // The entry is not quoted: the file may hold secrets elsewhere and the
    // expression itself is what is hostile.
    const std::string problem_text =
        BypassExpressionProblem(proxy.bypass_list[i]);
    if (!problem_text.empty()) {
      return Status::Error("the agent's bypass list entry " +
                           std::to_string(i + 1) + " " + problem_text +
                           "; the exporter cannot evaluate it safely");
    }
  }
  if (!proxy.address.empty() &&
      AsciiLower(proxy.address).rfind("http://", 0) != 0) {
    return Status::Error(
        "the agent's proxyaddress is not an http:// URL; the exporter cannot "
        "probe through it");
  }
  return proxy;
}

std::variant<AgentProxy, Status> ReadAgentProxyConfig(const std::string& path) {
  const std::string expanded = ExpandEnvironmentReferences(path);
  std::ifstream in(expanded, std::ios::binary);
  if (!in) {
    return Status::Error("cannot read the agent configuration file " +
                         expanded +
                         " (proxy_from_agent_config is on; is the PTA agent "
                         "installed?)");
  }
  std::string text;
  text.resize(kMaxAgentConfigBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  std::variant<AgentProxy, Status> parsed = ParseAgentProxyConfig(text);
  if (auto* status = std::get_if<Status>(&parsed)) {
    return Status::Error(expanded + ": " + status->message());
  }
  return parsed;
}

}  // namespace entra_pta::endpoint

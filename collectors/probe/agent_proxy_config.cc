#include "collectors/probe/agent_proxy_config.h"

#include <fstream>
#include <string_view>
#include <vector>

#include "exporter/util/ascii.h"
#include "exporter/util/env_expansion.h"
#include "exporter/util/xml.h"

namespace entra_pta::probe {
namespace {

// Attribute names in the .exe.config are matched without regard to case,
// as the agent's .NET configuration reader does; the first match wins.
const std::string* FindAttribute(const XmlElement& element,
                                 std::string_view lower_name) {
  for (const auto& [name, value] : element.attributes) {
    if (AsciiLower(name) == lower_name) return &value;
  }
  return nullptr;
}

bool IsTrue(const XmlElement& element, std::string_view name,
            bool default_value) {
  const std::string* value = FindAttribute(element, name);
  if (value == nullptr) return default_value;
  return AsciiLower(*value) == "true";
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

StatusOr<AgentProxy> ParseAgentProxyConfig(const std::string& xml) {
  if (xml.size() > kMaxAgentConfigBytes) {
    return Status::Error("the agent configuration file is larger than " +
                         std::to_string(kMaxAgentConfigBytes) + " bytes");
  }
  XmlLimits limits;
  limits.max_bytes = kMaxAgentConfigBytes;
  auto parsed = ParseXml(xml, limits);
  if (!parsed.ok()) {
    return Status::Error(
        "the agent configuration file is not well-formed XML: " +
        parsed.status().message());
  }
  AgentProxy proxy;
  bool enabled = true;
  bool seen_default_proxy = false;
  const std::string& root_name = parsed->front().name;
  std::vector<std::string> open;  // the names enclosing the element
  for (const XmlElement& element : *parsed) {
    open.resize(static_cast<std::size_t>(element.depth));
    if (element.name == "defaultProxy" &&
        PathIs(open, {"configuration", "system.net"})) {
      seen_default_proxy = true;
      enabled = IsTrue(element, "enabled", true);
    } else if (element.name == "proxy" &&
               PathIs(open, {"configuration", "system.net", "defaultProxy"})) {
      if (const std::string* address = FindAttribute(element, "proxyaddress")) {
        proxy.address = *address;
      }
      proxy.bypass_on_local = IsTrue(element, "bypassonlocal", false);
    } else if (element.name == "add" &&
               PathIs(open, {"configuration", "system.net", "defaultProxy",
                             "bypasslist"})) {
      if (const std::string* address = FindAttribute(element, "address")) {
        proxy.bypass_list.push_back(*address);
      }
    }
    open.push_back(element.name);
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

StatusOr<AgentProxy> ReadAgentProxyConfig(const std::string& path) {
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
  StatusOr<AgentProxy> parsed = ParseAgentProxyConfig(text);
  if (!parsed.ok()) {
    return Status::Error(expanded + ": " + parsed.status().message());
  }
  return parsed;
}

}  // namespace entra_pta::probe

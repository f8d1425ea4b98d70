#include "exporter/sdk/config_section.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <unordered_set>

#include "exporter/util/duration.h"

namespace entra_pta {
namespace {

std::string NodeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "an unknown node";
}

// yaml-cpp marks are 0-based; a null value has no mark of its own (-1).
bool HasPosition(const YAML::Mark& mark) { return mark.line >= 0; }

// The 1-based line of the `---` that starts the second document: the second
// such marker, or the first when content came before it (the first document
// then had none). Falls back to the second document's own position.
int SecondDocumentLine(const std::string& text, const YAML::Mark& second) {
  int line = 0;
  bool content_before = false;
  int markers = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    const std::string_view row(text.data() + start, end - start);
    const bool marker =
        row.substr(0, 3) == "---" &&
        (row.size() == 3 || row[3] == ' ' || row[3] == '\t' || row[3] == '\r');
    if (marker) {
      if (++markers == 2 || content_before) return line;
    } else {
      const std::size_t first = row.find_first_not_of(" \t\r");
      if (first != std::string_view::npos && row[first] != '#' &&
          row[first] != '%') {
        content_before = true;
      }
    }
    start = end + 1;
  }
  return HasPosition(second) ? second.line + 1 : 1;
}

// Records where each document starts and ignores the rest.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { last_start_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  const YAML::Mark& last_start() const { return last_start_; }

 private:
  YAML::Mark last_start_ = YAML::Mark::null_mark();
};

// Where a second document starts, if the text has one. Never YAML::LoadAll:
// on some malformed input yaml-cpp 0.7 reports a new empty document at the
// same place for ever, and LoadAll collects them until memory runs out
// (found by fuzz/config_fuzzer); two parser steps are all the answer needs.
std::optional<YAML::Mark> SecondDocumentStart(const std::string& yaml_text) {
  std::istringstream in(yaml_text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  if (!parser.HandleNextDocument(starts)) return std::nullopt;
  if (!parser.HandleNextDocument(starts)) return std::nullopt;
  return starts.last_start();
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column,
                         std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" +
                         std::to_string(column) + ": " + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

ConfigSection::ConfigSection(std::string file, std::string path)
    : file_(std::move(file)), path_(std::move(path)) {
  mark_.line = 0;
  mark_.column = 0;
}

ConfigSection::ConfigSection(const YAML::Node& node, const YAML::Mark& key_mark,
                             std::string file, std::string path)
    : file_(std::move(file)), path_(std::move(path)), mark_(key_mark) {
  if (HasPosition(node.Mark())) mark_ = node.Mark();
  if (node.IsNull()) {
    FailAt(key_mark, path_ + ": a value is required (a mapping of settings)");
  }
  if (!node.IsMap()) {
    FailAt(mark_, path_ + ": expected a mapping, got " + NodeKind(node));
  }
  // Line of each key seen so far: a set, not a scan of entries_, so a
  // mapping with very many keys costs n log n, not n squared.
  std::map<std::string, int, std::less<>> first_line;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A copy (a cheap handle): `it->` returns a temporary proxy, so a
    // reference to its `first` dangles after this statement (ASan:
    // stack-use-after-scope).
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      FailAt(key.Mark(), path_ + ": keys must be plain names");
    }
    auto [seen, inserted] =
        first_line.emplace(key.Scalar(), key.Mark().line + 1);
    if (!inserted) {
      FailAt(key.Mark(), "duplicate key " + KeyPath(key.Scalar()) +
                             " (first set at line " +
                             std::to_string(seen->second) + ")");
    }
    entries_.push_back(Entry{key.Scalar(), key.Mark(), it->second});
  }
}

std::string ConfigSection::KeyPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void ConfigSection::FailAt(const YAML::Mark& mark,
                           const std::string& message) const {
  const YAML::Mark& where = HasPosition(mark) ? mark : mark_;
  throw ConfigError(file_, where.line + 1, where.column + 1, message);
}

void ConfigSection::Fail(std::string_view key,
                         const std::string& message) const {
  const Entry* entry = Find(key);
  if (entry == nullptr) FailAt(mark_, message);
  FailAt(
      HasPosition(entry->value.Mark()) ? entry->value.Mark() : entry->key_mark,
      message);
}

void ConfigSection::FailAtKey(std::string_view key,
                              const std::string& message) const {
  const Entry* entry = Find(key);
  FailAt(entry == nullptr ? mark_ : entry->key_mark, message);
}

const ConfigSection::Entry* ConfigSection::Find(std::string_view key) const {
  asked_.insert(std::string(key));
  for (const Entry& entry : entries_) {
    if (entry.key == key) {
      used_.insert(entry.key);
      return &entry;
    }
  }
  return nullptr;
}

const ConfigSection::Entry* ConfigSection::FindValue(
    std::string_view key) const {
  const Entry* entry = Find(key);
  if (entry == nullptr) return nullptr;
  if (entry->value.IsNull()) {
    // `key:` with nothing after it: report where the key is.
    FailAt(entry->key_mark, KeyPath(key) + ": a value is required");
  }
  return entry;
}

std::string ConfigSection::Scalar(const Entry& entry,
                                  std::string_view expected) const {
  if (!entry.value.IsScalar()) {
    Fail(entry.key, KeyPath(entry.key) + ": expected " + std::string(expected) +
                        ", got " + NodeKind(entry.value));
  }
  return entry.value.Scalar();
}

std::optional<std::string> ConfigSection::String(std::string_view key) const {
  const Entry* entry = FindValue(key);
  if (entry == nullptr) return std::nullopt;
  std::string value = Scalar(*entry, "a string");
  if (value.empty()) Fail(key, KeyPath(key) + ": a value is required");
  return value;
}

std::optional<bool> ConfigSection::Bool(std::string_view key) const {
  const Entry* entry = FindValue(key);
  if (entry == nullptr) return std::nullopt;
  std::string value = Scalar(*entry, "true or false");
  if (value == "true" || value == "True" || value == "TRUE") return true;
  if (value == "false" || value == "False" || value == "FALSE") return false;
  Fail(key, KeyPath(key) + ": expected true or false, got \"" + value + "\"");
}

std::optional<std::chrono::milliseconds> ConfigSection::Duration(
    std::string_view key, std::chrono::milliseconds max) const {
  const Entry* entry = FindValue(key);
  if (entry == nullptr) return std::nullopt;
  std::string value = Scalar(*entry, "a duration");
  auto parsed = ParseDuration(value);
  if (!parsed) {
    Fail(key, KeyPath(key) + ": invalid duration \"" + value +
                  "\" (use a number with a unit, e.g. 500ms, 30s, 2h)");
  }
  max = std::min(max, kMaxDuration);
  if (*parsed > max) {
    Fail(key, KeyPath(key) + ": " + value + " is too long (at most " +
                  FormatDuration(max) + ")");
  }
  return parsed;
}

std::optional<std::string> ConfigSection::Regex(std::string_view key) const {
  std::optional<std::string> value = String(key);
  if (!value) return value;
  // std::regex compiles by recursion: a very long or deeply nested
  // expression overflows the stack instead of throwing regex_error.
  constexpr std::size_t kMaxRegexBytes = 1024;
  constexpr int kMaxRegexNesting = 32;
  if (value->size() > kMaxRegexBytes) {
    Fail(key, KeyPath(key) + ": the regular expression is longer than " +
                  std::to_string(kMaxRegexBytes) + " bytes");
  }
  int depth = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < value->size(); ++i) {
    const char c = (*value)[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(' && ++depth > kMaxRegexNesting) {
      Fail(key, KeyPath(key) +
                    ": the regular expression nests groups deeper "
                    "than " +
                    std::to_string(kMaxRegexNesting));
    } else if (c == ')' && depth > 0) {
      --depth;
    }
  }
  try {
    std::regex compiled(*value, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    Fail(key, KeyPath(key) + ": invalid regular expression \"" + *value +
                  "\": " + e.what());
  }
  return value;
}

std::optional<ConfigSection> ConfigSection::Section(
    std::string_view key) const {
  const Entry* entry = Find(key);
  if (entry == nullptr) return std::nullopt;
  return ConfigSection(entry->value, entry->key_mark, file_, KeyPath(key));
}

std::optional<std::vector<std::string>> ConfigSection::StringList(
    std::string_view key, const ItemCheck& check) const {
  const Entry* entry = FindValue(key);
  if (entry == nullptr) return std::nullopt;
  if (!entry->value.IsSequence()) {
    Fail(key, KeyPath(key) + ": expected a list of strings, got " +
                  NodeKind(entry->value));
  }
  if (entry->value.size() == 0) {
    Fail(key, KeyPath(key) + ": the list is empty");
  }
  FailIfTooLong(*entry);
  std::vector<std::string> items;
  // Seen items in a hash set: the duplicate check stays linear in the
  // length of the list (a scan of `items` made 100,000 entries take a
  // minute).
  std::unordered_set<std::string_view> seen;
  items.reserve(entry->value.size());
  seen.reserve(entry->value.size());
  std::size_t i = 0;
  for (auto it = entry->value.begin(); it != entry->value.end(); ++it, ++i) {
    const YAML::Node item = *it;
    const std::string item_path = KeyPath(key) + "[" + std::to_string(i) + "]";
    if (!item.IsScalar() || item.Scalar().empty()) {
      FailAt(
          HasPosition(item.Mark()) ? item.Mark() : entry->key_mark,
          item_path + ": expected a non-empty string, got " + NodeKind(item));
    }
    // The node owns its scalar for as long as the document lives, so the
    // set can hold views of it.
    if (!seen.insert(item.Scalar()).second) {
      FailAt(item.Mark(),
             KeyPath(key) + ": \"" + item.Scalar() + "\" is listed twice");
    }
    if (check) {
      if (auto problem = check(item.Scalar())) {
        FailAt(item.Mark(), item_path + ": " + *problem);
      }
    }
    items.push_back(item.Scalar());
  }
  return items;
}

std::optional<std::vector<ConfigSection>> ConfigSection::SectionList(
    std::string_view key) const {
  const Entry* entry = FindValue(key);
  if (entry == nullptr) return std::nullopt;
  if (!entry->value.IsSequence()) {
    Fail(key, KeyPath(key) + ": expected a list of mappings, got " +
                  NodeKind(entry->value));
  }
  FailIfTooLong(*entry);
  std::vector<ConfigSection> items;
  std::size_t i = 0;
  for (auto it = entry->value.begin(); it != entry->value.end(); ++it, ++i) {
    const YAML::Node item = *it;
    YAML::Mark item_mark =
        HasPosition(item.Mark()) ? item.Mark() : entry->key_mark;
    items.emplace_back(item, item_mark, file_,
                       KeyPath(key) + "[" + std::to_string(i) + "]");
  }
  return items;
}

void ConfigSection::FailIfTooLong(const Entry& entry) const {
  if (entry.value.size() <= kMaxListEntries) return;
  // Located at the first entry past the bound.
  auto it = entry.value.begin();
  for (std::size_t i = 0; i < kMaxListEntries; ++i) ++it;
  const YAML::Node first_extra = *it;
  FailAt(first_extra.Mark(),
         KeyPath(entry.key) + ": more than " + std::to_string(kMaxListEntries) +
             " entries (" + std::to_string(entry.value.size()) + "); at most " +
             std::to_string(kMaxListEntries) + " are allowed");
}

void ConfigSection::RejectUnknownKeys() const {
  for (const Entry& entry : entries_) {
    if (used_.count(entry.key) == 0) {
      std::string known;
      for (const std::string& key : asked_) {
        known += known.empty() ? "" : ", ";
        known += key;
      }
      FailAt(entry.key_mark,
             "unknown key " + KeyPath(entry.key) +
                 (known.empty() ? " (this section takes no keys)"
                                : " (known keys: " + known + ")"));
    }
  }
}

std::vector<std::string> ConfigSection::Keys() const {
  std::vector<std::string> keys;
  for (const Entry& entry : entries_) keys.push_back(entry.key);
  return keys;
}

std::string ReadConfigFile(const std::string& path, const std::string& what) {
  // Only a regular file (or a link to one) is a configuration: a directory
  // would read as empty (the built-in defaults, silently), a FIFO or device
  // would block or never end.
  std::error_code error;
  const std::filesystem::file_status status =
      std::filesystem::status(path, error);
  if (!error && std::filesystem::exists(status) &&
      !std::filesystem::is_regular_file(status)) {
    const char* kind = std::filesystem::is_directory(status) ? "a directory"
                       : std::filesystem::is_fifo(status)    ? "a FIFO"
                       : std::filesystem::is_socket(status)  ? "a socket"
                       : std::filesystem::is_block_file(status) ||
                               std::filesystem::is_character_file(status)
                           ? "a device"
                           : "not a regular file";
    throw ConfigError(path, 0, 0,
                      "cannot read the " + what + ": it is " +
                          std::string(kind) + ", not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, 0, "cannot read the " + what);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path, 0, 0, "cannot read the " + what);
  return text.str();
}

ConfigSection ParseConfigRoot(const std::string& yaml_text,
                              const std::string& file_name) {
  YAML::Node root;
  try {
    // YAML::Load reads the first document only: settings after a `---`
    // would be dropped without a word, so a second document is refused.
    if (const auto second = SecondDocumentStart(yaml_text)) {
      throw ConfigError(file_name, SecondDocumentLine(yaml_text, *second), 1,
                        "a second YAML document starts here; the "
                        "configuration is one document (remove the `---` "
                        "and merge the settings)");
    }
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(file_name, e.mark.line + 1, e.mark.column + 1,
                      "YAML syntax error: " + e.msg);
  }
  if (root.IsNull()) return ConfigSection(file_name, "");
  YAML::Mark start;
  start.line = 0;
  start.column = 0;
  if (!root.IsMap()) {
    throw ConfigError(file_name, 1, 1,
                      "the configuration must be a mapping of sections");
  }
  return ConfigSection(root, start, file_name, "");
}

}  // namespace entra_pta

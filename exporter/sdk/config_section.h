// ConfigSection: strict, position-aware access to one YAML mapping of the
// configuration. Every accessor validates type and value and throws
// ConfigError naming file:line:column; RejectUnknownKeys() then fails on any
// key no accessor asked for. Collectors parse their own `collectors.<name>`
// section through it, so unknown keys are caught everywhere alike.
// Thread-safety: not thread-safe; used once, at startup, by one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace entra_pta {

// A configuration mistake, located. what() is "file:line:column: message".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

// The longest list a setting takes (allow-lists, targets, services,
// channels): far above any real configuration, low enough that a runaway
// generated file is refused at once with its position.
inline constexpr std::size_t kMaxListEntries = 1000;

class ConfigSection {
 public:
  // An empty section: every key absent. `path` is the dotted key path.
  ConfigSection(std::string file, std::string path);
  // `node` must be a mapping (checked; null is "a value is required").
  // `key_mark` locates the key that introduced it, for error messages.
  ConfigSection(const YAML::Node& node, const YAML::Mark& key_mark,
                std::string file, std::string path);

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  bool empty() const { return entries_.empty(); }

  // Each returns nullopt when the key is absent and throws ConfigError when
  // it is present with no value, the wrong type or an invalid value.
  std::optional<std::string> String(std::string_view key) const;  // non-empty
  std::optional<bool> Bool(std::string_view key) const;
  // At most `max` (default kMaxDuration, 365d): a longer value is an error
  // at the value naming the bound.
  std::optional<std::chrono::milliseconds> Duration(
      std::string_view key,
      std::chrono::milliseconds max = std::chrono::hours(24 * 365)) const;
  // A string that must compile as an ECMAScript regular expression.
  std::optional<std::string> Regex(std::string_view key) const;
  std::optional<ConfigSection> Section(std::string_view key) const;
  // A non-empty list of non-empty, distinct strings, at most
  // kMaxListEntries long. `check` (optional) returns an error message for a
  // bad item, reported at that item. Linear in the length of the list.
  using ItemCheck =
      std::function<std::optional<std::string>(const std::string&)>;
  std::optional<std::vector<std::string>> StringList(
      std::string_view key, const ItemCheck& check = nullptr) const;
  // A list of mappings, at most kMaxListEntries long; item i has the path
  // "<key>[i]" in messages.
  std::optional<std::vector<ConfigSection>> SectionList(
      std::string_view key) const;

  // Throws for the first key (in file order) that no accessor asked for,
  // listing the keys that were asked for.
  void RejectUnknownKeys() const;

  // Keys in file order, for sections whose keys are names (collectors).
  std::vector<std::string> Keys() const;

  // Throws a ConfigError located at `key`'s value (or the section itself
  // when `key` is absent).
  [[noreturn]] void Fail(std::string_view key,
                         const std::string& message) const;
  // Like Fail, but located at the key itself (for keys that are names).
  [[noreturn]] void FailAtKey(std::string_view key,
                              const std::string& message) const;

 private:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    YAML::Node value;
  };
  const Entry* Find(std::string_view key) const;
  // The entry for `key` with a non-null value, or nullptr when absent.
  const Entry* FindValue(std::string_view key) const;
  std::string Scalar(const Entry& entry, std::string_view expected) const;
  std::string KeyPath(std::string_view key) const;
  void FailIfTooLong(const Entry& entry) const;
  [[noreturn]] void FailAt(const YAML::Mark& mark,
                           const std::string& message) const;

  std::string file_;
  std::string path_;
  YAML::Mark mark_;
  std::vector<Entry> entries_;
  mutable std::set<std::string, std::less<>> used_;   // present and asked for
  mutable std::set<std::string, std::less<>> asked_;  // every key asked for
};

// The whole file as text. A file that cannot be opened or read throws
// ConfigError(path, 0, 0, "cannot read the <what>").
std::string ReadConfigFile(const std::string& path, const std::string& what);

// Loads a YAML document; a syntax error becomes a located ConfigError.
// Returns the root as a section (an empty file is an empty section).
ConfigSection ParseConfigRoot(const std::string& yaml_text,
                              const std::string& file_name);

}  // namespace entra_pta

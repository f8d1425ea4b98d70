// Splits a command-line argument of the form --name=value, shared by the
// exporter's own flags and the diagnose and health-check subcommands.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>

namespace entra_pta {

struct SplitArgument {
  std::string name;                  // The whole argument when there is no '='.
  std::optional<std::string> value;  // After the first '=', when there is one.
};

inline SplitArgument SplitFlagArgument(const std::string& arg) {
  const std::size_t eq = arg.find('=');
  if (eq == std::string::npos) return {arg, std::nullopt};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

}  // namespace entra_pta

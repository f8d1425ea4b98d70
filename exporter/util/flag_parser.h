// The command-line flags of the exporter and its subcommands (diagnose,
// health-check, graph login), on CLI11, with the Prometheus exporter
// conventions every command shares: long dotted names ("--config.file"),
// "--name=value" and "--name value" alike, the last of a repeated flag wins,
// no positional arguments, and errors worded alike ("unknown flag --x",
// "flag --x needs a value"). Each command keeps its own hand-written
// --help text, so CLI11's generated help is turned off.
// Thread-safety: one parser per thread; Parse() is not reentrant.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exporter/util/status.h"

namespace CLI {
class App;
}

namespace entra_pta {

class FlagParser {
 public:
  FlagParser();
  ~FlagParser();
  FlagParser(const FlagParser&) = delete;
  FlagParser& operator=(const FlagParser&) = delete;

  // A flag with a value, e.g. "--config.file". `*target` is set when given.
  FlagParser& Value(const std::string& name,
                    std::optional<std::string>* target);
  // A flag without a value; `names` may list aliases: "--help,-h".
  FlagParser& Switch(const std::string& names, bool* target);

  // Parses `args` (without the program name or subcommand). The error names
  // the first offending argument; `unknown_hint` is appended to "unknown
  // flag X", e.g. " (see --help)".
  Status Parse(const std::vector<std::string>& args,
               const std::string& unknown_hint);

 private:
  std::unique_ptr<CLI::App> app_;
};

}  // namespace entra_pta

#include "exporter/platform/windows_service.h"

namespace entra_pta {

std::optional<ServiceCommand> ParseServiceCommand(std::string_view text) {
  if (text == "install") return ServiceCommand::kInstall;
  if (text == "uninstall") return ServiceCommand::kUninstall;
  if (text == "run") return ServiceCommand::kRun;
  if (text == "stop") return ServiceCommand::kStop;
  return std::nullopt;
}

std::string FailedStartLogLine(int exit_code) {
  return "level=error msg=\"the service did not start\" exit_code=" +
         std::to_string(exit_code) +
         (exit_code == 2 ? " reason=\"configuration or flag error\"" : "") +
         "\n";
}

std::string QuoteCommandLine(const std::vector<std::string>& args) {
  std::string line;
  for (const std::string& arg : args) {
    if (!line.empty()) line += ' ';
    if (!arg.empty() && arg.find_first_of(" \t\n\v\"") == std::string::npos) {
      line += arg;
      continue;
    }
    // Backslashes are literal except before a quote, where 2n (+1 for an
    // escaped quote) stand for n; the closing quote counts as "before".
    line += '"';
    std::size_t backslashes = 0;
    for (char c : arg) {
      if (c == '\\') {
        ++backslashes;
        continue;
      }
      if (c == '"') {
        line.append(backslashes * 2 + 1, '\\');
      } else {
        line.append(backslashes, '\\');
      }
      backslashes = 0;
      line += c;
    }
    line.append(backslashes * 2, '\\');
    line += '"';
  }
  return line;
}

}  // namespace entra_pta

// Stands in for entra_pta_exporter.exe in the Windows-service wrapper's
// tests: `--service run --name=N --marker=FILE [--exit=K] [--abandon]` runs
// a body under RunAsService that appends "started" and "stopped" to FILE,
// logs a line (to the Event Log) and returns K; with --abandon it ends the
// process on stop the way the exporter does when a collector is stuck
// (ReportServiceStopped, then std::_Exit). Test artefact only.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "exporter/platform/windows_service.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  entra_pta::ServiceDefinition service;
  std::string marker;
  int exit_code = 0;
  bool run = false;
  bool abandon = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--service" && i + 1 < args.size() && args[i + 1] == "run") {
      run = true;
      ++i;
    } else if (arg.rfind("--name=", 0) == 0) {
      service.name = arg.substr(7);
    } else if (arg.rfind("--marker=", 0) == 0) {
      marker = arg.substr(9);
    } else if (arg == "--abandon") {
      abandon = true;
    } else if (arg.rfind("--exit=", 0) == 0) {
      exit_code = std::stoi(arg.substr(7));
    }
  }
  if (!run) return 3;
  return entra_pta::RunAsService(
      service, [&](std::ostream& log, const std::function<bool()>& stop) {
        std::ofstream(marker, std::ios::app) << "started\n";
        log << "level=info msg=\"test service started\"\n" << std::flush;
        while (!stop()) {
          if (exit_code != 0) break;  // a failing exporter exits on its own
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        std::ofstream(marker, std::ios::app) << "stopped\n";
        if (abandon) {
          entra_pta::ReportServiceStopped(0);
          std::_Exit(0);
        }
        return exit_code;
      });
}

// Stands in for entra_pta_exporter.exe in the Windows-service wrapper's
// tests: `--service run --name=N --marker=FILE [--exit=K] [--abandon]
// [--start-ms=T] [--fail-start]` runs a body under RunAsService that takes
// T ms to start (a starting checkpoint, then running), appends "started"
// and "stopped" to FILE, logs a line (to the Event Log) and returns K; with
// --abandon it ends the process on stop the way the exporter does when a
// collector is stuck (ReportServiceStopped, then std::_Exit); with
// --fail-start it returns K before it calls running, as the exporter does
// on a configuration error; with --linger-ms=L the process ends only L ms
// after it reported stopped. `--service stop --name=N` runs StopService
// (what the MSI runs before it removes the files). Test artefact only.
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
  bool stop = false;
  int linger_ms = 0;
  bool abandon = false;
  bool fail_start = false;
  int start_ms = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--service" && i + 1 < args.size() && args[i + 1] == "run") {
      run = true;
      ++i;
    } else if (arg == "--service" && i + 1 < args.size() &&
               args[i + 1] == "stop") {
      stop = true;
      ++i;
    } else if (arg.rfind("--linger-ms=", 0) == 0) {
      linger_ms = std::stoi(arg.substr(12));
    } else if (arg.rfind("--name=", 0) == 0) {
      service.name = arg.substr(7);
    } else if (arg.rfind("--marker=", 0) == 0) {
      marker = arg.substr(9);
    } else if (arg == "--abandon") {
      abandon = true;
    } else if (arg == "--fail-start") {
      fail_start = true;
    } else if (arg.rfind("--start-ms=", 0) == 0) {
      start_ms = std::stoi(arg.substr(11));
    } else if (arg.rfind("--exit=", 0) == 0) {
      exit_code = std::stoi(arg.substr(7));
    }
  }
  if (stop) {
    return entra_pta::StopService(service, std::chrono::seconds(30)).ok() ? 0
                                                                          : 1;
  }
  if (!run) return 3;
  const int status = entra_pta::RunAsService(
      service, [&](std::ostream& log, const entra_pta::ServiceControls& c) {
        std::this_thread::sleep_for(std::chrono::milliseconds(start_ms / 2));
        c.starting();
        std::this_thread::sleep_for(std::chrono::milliseconds(start_ms / 2));
        if (fail_start) {
          std::ofstream(marker, std::ios::app) << "failed to start\n";
          log << "level=error msg=\"test service: bad configuration\"\n"
              << std::flush;
          return exit_code;
        }
        c.running();
        std::ofstream(marker, std::ios::app) << "started\n";
        log << "level=info msg=\"test service started\"\n" << std::flush;
        while (!c.stop_requested()) {
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
  std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
  return status;
}

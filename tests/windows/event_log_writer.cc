// Writes the lines it reads from stdin (UTF-8, one per line) through the
// exporter's Event Log sink (exporter/platform/event_log_sink_windows.h) under
// the source named by its only argument, exactly as the service does, then
// prints "opened" or "not opened" to stdout. Test artefact only, driven by
// event_log_trace_test.py.
#include <iostream>
#include <string>

#include "exporter/platform/event_log_sink_windows.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: entra_pta_event_log_writer SOURCE < lines\n";
    return 2;
  }
  bool opened = false;
  {
    entra_pta::EventLogSink sink(argv[1]);
    opened = sink.opened();
    std::string line;
    bool first = true;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      // Line by line, as the logger writes; the last one without its
      // newline, to check that the sink reports a pending line at the end.
      if (!first) sink.stream() << '\n';
      sink.stream() << line;
      first = false;
    }
  }
  std::cout << (opened ? "opened" : "not opened") << std::endl;
  return 0;
}

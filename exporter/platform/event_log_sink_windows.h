// The exporter's log sink when it runs as a Windows service: a std::ostream
// whose every complete line (or flushed partial line) becomes one entry in
// the Application Event Log (ReportEventW, event ID 1000, the service name
// as the source), typed by the line's level: error, warning, else
// information. RunAsService (windows_service_windows.cc) uses it; it has
// its own file so the Wine tests can drive it without the SCM. Include only
// from *_windows.cc files.
// Thread-safety: like any std::ostream, one writer at a time.
#pragma once

#include <memory>
#include <ostream>
#include <string>

namespace entra_pta {

class EventLogSink {
 public:
  // Opens the Event Log source `source_name` (RegisterEventSourceW). When
  // that fails the stream still accepts lines and drops them.
  explicit EventLogSink(const std::string& source_name);
  // Reports a pending partial line, then closes the source.
  ~EventLogSink();
  EventLogSink(const EventLogSink&) = delete;
  EventLogSink& operator=(const EventLogSink&) = delete;

  std::ostream& stream() { return stream_; }
  bool opened() const { return source_ != nullptr; }

 private:
  class Buffer;
  void* source_;  // the HANDLE from RegisterEventSourceW
  std::unique_ptr<Buffer> buffer_;
  std::ostream stream_;
};

}  // namespace entra_pta

// The Event Log backend for systems without one: every read fails with a
// message saying so; the collector reports it (and is disabled by default).
#include "collectors/eventlog/event_source.h"

namespace entra_pta::eventlog {
namespace {

class UnsupportedEventSource final : public EventSource {
 public:
  ChannelRead ReadNew(const std::string&, const BookmarkState&,
                      std::chrono::steady_clock::time_point,
                      const std::function<void(std::string_view)>&) override {
    ChannelRead read;
    read.outcome = ReadOutcome::kError;
    read.error = "the Windows Event Log is unsupported on this OS";
    return read;
  }
};

}  // namespace

bool EventSourceSupported() { return false; }

std::unique_ptr<EventSource> MakeSystemEventSource() {
  return std::make_unique<UnsupportedEventSource>();
}

}  // namespace entra_pta::eventlog

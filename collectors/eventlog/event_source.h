// EventSource: the Windows Event Log as the eventlog collector sees it. The
// Windows backend (event_source_windows.cc) uses wevtapi (EvtQuery, EvtSeek
// to the bookmark, EvtNext, EvtRender, EvtUpdateBookmark); the other backend
// (event_source_posix.cc) reports that this OS has no Event Log. Tests use
// a fake. This header must stay free of Windows and Prometheus headers: the
// Windows backend is also cross-compiled on its own for the Wine tests.
// Thread-safety: one ReadNew() at a time per object.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "collectors/eventlog/bookmark_file.h"

namespace entra_pta::eventlog {

enum class ReadOutcome {
  kOk,
  kChannelMissing,  // the channel is not registered (agent not installed)
  kBadBookmark,     // the saved bookmark was rejected; nothing was read
  kError,
};

struct ChannelRead {
  ReadOutcome outcome = ReadOutcome::kOk;
  std::string error;  // for kBadBookmark and kError
  // The bookmark after the last event handed to on_event; empty when no
  // event was handed over (the caller keeps its previous start point).
  std::string bookmark_xml;
  std::uint64_t events = 0;
  bool stopped_at_deadline = false;
};

class EventSource {
 public:
  virtual ~EventSource() = default;

  // Hands each event of `channel` that comes after `start` (after
  // start.bookmark_xml, or without one, created at or after
  // start.since_seconds) to `on_event` as rendered event XML (UTF-8),
  // oldest first. Stops early, with what it read so far, once `deadline`
  // has passed.
  virtual ChannelRead ReadNew(
      const std::string& channel, const BookmarkState& start,
      std::chrono::steady_clock::time_point deadline,
      const std::function<void(std::string_view)>& on_event) = 0;
};

// Whether this build has a real Event Log backend (true only on Windows).
bool EventSourceSupported();

// The backend of this OS.
std::unique_ptr<EventSource> MakeSystemEventSource();

}  // namespace entra_pta::eventlog

// FakeEventSource: an EventSource over in-memory channels of rendered event
// XML. Its bookmark is "<BookmarkList><Bookmark Channel='c' RecordId='N'/>"
// like the real one; events have record ids 1, 2, ... in order. Test-only.
// Thread-safety: none; one test thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collectors/eventlog/event_source.h"

namespace entra_pta::eventlog::testing {

struct FakeEvent {
  std::string xml;
  double created_seconds = 0;
};

class FakeEventSource final : public EventSource {
 public:
  std::map<std::string, std::vector<FakeEvent>> channels;
  std::map<std::string, std::string> failing;  // channel -> error
  // channel -> number of events handed over before the read fails
  std::map<std::string, std::size_t> fail_after;
  std::map<std::string, BookmarkState> last_start;  // per channel
  // Channels whose next bookmarked read is refused as Windows refuses a
  // bookmark it no longer accepts (once).
  std::map<std::string, bool> reject_bookmark_once;

  static std::string BookmarkFor(const std::string& channel,
                                 std::uint64_t record_id) {
    return "<BookmarkList><Bookmark Channel='" + channel + "' RecordId='" +
           std::to_string(record_id) + "' IsCurrent='true'/></BookmarkList>";
  }

  ChannelRead ReadNew(
      const std::string& channel, const BookmarkState& start,
      std::chrono::steady_clock::time_point,
      const std::function<void(std::string_view)>& on_event) override {
    last_start[channel] = start;
    ChannelRead read;
    if (auto f = failing.find(channel); f != failing.end()) {
      read.outcome = ReadOutcome::kError;
      read.error = f->second;
      return read;
    }
    auto it = channels.find(channel);
    if (it == channels.end()) {
      read.outcome = ReadOutcome::kChannelMissing;
      return read;
    }
    std::uint64_t after = 0;
    bool use_time = start.bookmark_xml.empty();
    if (!use_time && reject_bookmark_once[channel]) {
      reject_bookmark_once[channel] = false;
      read.outcome = ReadOutcome::kBadBookmark;
      read.error = "the bookmark is invalid (error 15011)";
      return read;
    }
    if (!use_time) {
      std::size_t at = start.bookmark_xml.find("RecordId='");
      std::size_t end = start.bookmark_xml.find('\'', at + 10);
      if (at == std::string::npos || end == std::string::npos ||
          start.bookmark_xml.find("Channel='" + channel + "'") ==
              std::string::npos) {
        read.outcome = ReadOutcome::kBadBookmark;
        read.error = "the bookmark is invalid (error 15011)";
        return read;
      }
      after = std::stoull(start.bookmark_xml.substr(at + 10, end - at - 10));
    }
    const auto& events = it->second;
    for (std::uint64_t i = 0; i < events.size(); ++i) {
      std::uint64_t record_id = i + 1;
      if (use_time ? events[i].created_seconds < start.since_seconds
                   : record_id <= after) {
        continue;
      }
      if (auto f = fail_after.find(channel);
          f != fail_after.end() && read.events == f->second) {
        read.outcome = ReadOutcome::kError;
        read.error = "EvtNext failed: error 1726";
        return read;
      }
      on_event(events[i].xml);
      ++read.events;
      read.bookmark_xml = BookmarkFor(channel, record_id);
    }
    return read;
  }
};

}  // namespace entra_pta::eventlog::testing

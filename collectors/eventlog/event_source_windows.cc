// The Event Log backend: wevtapi. A channel is queried forward from the
// saved bookmark (EvtSeek relative to it) or, without one, from a start
// time (an XPath on TimeCreated); events are rendered as XML one batch at a
// time and the bookmark follows the last event handed over, so a scrape
// that stops at its deadline resumes exactly there next time.
// clang-format off
#include "exporter/platform/win32_windows.h"  // <windows.h> must precede <winevt.h>
#include <winevt.h>
// clang-format on

#include <vector>

#include "collectors/eventlog/event_source.h"
#include "collectors/eventlog/event_xml.h"

namespace entra_pta::eventlog {
namespace {

using win32::ErrorText;
using win32::Narrow;
using win32::Widen;

constexpr DWORD kBatchSize = 64;
constexpr DWORD kNextTimeoutMs = 1000;

class EvtHandle {
 public:
  EvtHandle() = default;
  explicit EvtHandle(EVT_HANDLE handle) : handle_(handle) {}
  ~EvtHandle() { Reset(); }
  EvtHandle(const EvtHandle&) = delete;
  EvtHandle& operator=(const EvtHandle&) = delete;
  EvtHandle& operator=(EVT_HANDLE handle) {
    Reset();
    handle_ = handle;
    return *this;
  }
  EVT_HANDLE get() const { return handle_; }
  void Reset() {
    if (handle_ != nullptr) EvtClose(handle_);
    handle_ = nullptr;
  }

 private:
  EVT_HANDLE handle_ = nullptr;
};

// Renders an event (EvtRenderEventXml) or a bookmark (EvtRenderBookmark)
// into `out` as UTF-8.
bool Render(EVT_HANDLE handle, DWORD flags, std::vector<wchar_t>& buffer,
            std::string& out) {
  DWORD used = 0, properties = 0;
  auto size_bytes = [&] {
    return static_cast<DWORD>(buffer.size() * sizeof(wchar_t));
  };
  if (!EvtRender(nullptr, handle, flags, size_bytes(), buffer.data(), &used,
                 &properties)) {
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) return false;
    buffer.resize(used / sizeof(wchar_t) + 1);
    if (!EvtRender(nullptr, handle, flags, size_bytes(), buffer.data(), &used,
                   &properties)) {
      return false;
    }
  }
  std::size_t chars = used / sizeof(wchar_t);
  while (chars > 0 && buffer[chars - 1] == L'\0') --chars;
  out = Narrow(std::wstring_view(buffer.data(), chars));
  return true;
}

ChannelRead Failure(ReadOutcome outcome, std::string message) {
  ChannelRead read;
  read.outcome = outcome;
  read.error = std::move(message);
  return read;
}

class WindowsEventSource final : public EventSource {
 public:
  ChannelRead ReadNew(
      const std::string& channel, const BookmarkState& start,
      std::chrono::steady_clock::time_point deadline,
      const std::function<void(std::string_view)>& on_event) override {
    const std::wstring wide_channel = Widen(channel);
    EvtHandle bookmark;
    EvtHandle results;
    if (!start.bookmark_xml.empty()) {
      bookmark = EvtCreateBookmark(Widen(start.bookmark_xml).c_str());
      if (bookmark.get() == nullptr) {
        return Failure(
            ReadOutcome::kBadBookmark,
            "the saved bookmark was rejected: " + ErrorText(GetLastError()));
      }
      results = EvtQuery(nullptr, wide_channel.c_str(), L"*",
                         EvtQueryChannelPath | EvtQueryForwardDirection);
      if (results.get() == nullptr) return QueryFailure(GetLastError());
      // Position 1 relative to the bookmark: the first event after it.
      if (!EvtSeek(results.get(), 1, bookmark.get(), 0,
                   EvtSeekRelativeToBookmark)) {
        return Failure(
            ReadOutcome::kBadBookmark,
            "cannot seek to the saved bookmark: " + ErrorText(GetLastError()));
      }
    } else {
      bookmark = EvtCreateBookmark(nullptr);
      if (bookmark.get() == nullptr) {
        return Failure(ReadOutcome::kError, "cannot create a bookmark: " +
                                                ErrorText(GetLastError()));
      }
      results = EvtQuery(nullptr, wide_channel.c_str(),
                         Widen(SinceQuery(start.since_seconds)).c_str(),
                         EvtQueryChannelPath | EvtQueryForwardDirection);
      if (results.get() == nullptr) return QueryFailure(GetLastError());
    }

    ChannelRead read;
    std::vector<wchar_t> buffer(8192);
    std::string xml;
    EVT_HANDLE batch[kBatchSize];
    while (true) {
      DWORD returned = 0;
      if (!EvtNext(results.get(), kBatchSize, batch, kNextTimeoutMs, 0,
                   &returned)) {
        DWORD code = GetLastError();
        if (code == ERROR_NO_MORE_ITEMS) break;
        read.outcome = ReadOutcome::kError;
        read.error = "cannot read the next events: " + ErrorText(code);
        break;
      }
      for (DWORD i = 0; i < returned; ++i) {
        // An event that cannot be rendered is handed over empty: the
        // collector counts it as unparsable, and the bookmark moves on.
        if (!Render(batch[i], EvtRenderEventXml, buffer, xml)) xml.clear();
        on_event(xml);
        ++read.events;
        EvtUpdateBookmark(bookmark.get(), batch[i]);
        EvtClose(batch[i]);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        read.stopped_at_deadline = true;
        break;
      }
    }
    if (read.events > 0 &&
        !Render(bookmark.get(), EvtRenderBookmark, buffer, read.bookmark_xml)) {
      read.outcome = ReadOutcome::kError;
      read.error = "cannot render the bookmark: " + ErrorText(GetLastError());
      read.bookmark_xml.clear();
    }
    return read;
  }

 private:
  static ChannelRead QueryFailure(DWORD code) {
    if (code == ERROR_EVT_CHANNEL_NOT_FOUND) {
      ChannelRead read;
      read.outcome = ReadOutcome::kChannelMissing;
      return read;
    }
    return Failure(ReadOutcome::kError,
                   "cannot query the channel: " + ErrorText(code));
  }
};

}  // namespace

bool EventSourceSupported() { return true; }

std::unique_ptr<EventSource> MakeSystemEventSource() {
  return std::make_unique<WindowsEventSource>();
}

}  // namespace entra_pta::eventlog

// A fake wevtapi.dll for the Wine tests of the Event Log backend. Wine's own
// wevtapi is a stub (EvtQuery returns NULL, EvtRender kills the process), so
// the tests put this DLL next to the test executable and run with
// WINEDLLOVERRIDES=wevtapi=n,b; the unchanged backend then runs end to end.
// Test artefact only, never shipped.
//
// Channels are files in %ENTRA_PTA_FAKE_WEVTAPI_DIR% or, without that
// variable, in the folder fake-wevtapi-channels next to this DLL (a service
// started by the SCM does not get the test's environment): "<channel with
// '/' as '_'>.events", one event per line as "<record id><TAB><event XML>"
// (UTF-8). The file is read again by every EvtQuery, so a test appends
// events while the exporter runs. A channel without a file does not exist
// (error 15007, like Windows).
// Supported: EvtQuery with "*" or the backend's TimeCreated XPath, EvtSeek
// relative to a bookmark, EvtNext, EvtRender (event XML, bookmark XML),
// EvtCreateBookmark, EvtUpdateBookmark, EvtClose.
#include <windows.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr DWORD kChannelNotFound = 15007;  // ERROR_EVT_CHANNEL_NOT_FOUND
constexpr DWORD kInvalidQuery = 15001;     // ERROR_EVT_INVALID_QUERY
constexpr DWORD kInvalidBookmark = 15005;  // ERROR_EVT_INVALID_EVENT_DATA
constexpr DWORD kSeekRelativeToBookmark = 4;
constexpr DWORD kRenderEventXml = 1;
constexpr DWORD kRenderBookmark = 2;

enum class Kind { kResults, kEvent, kBookmark };

struct Object {
  explicit Object(Kind k) : kind(k) {}
  virtual ~Object() = default;
  Kind kind;
};

struct StoredEvent {
  std::uint64_t record_id = 0;
  std::string xml;
};

struct Event : Object {
  Event() : Object(Kind::kEvent) {}
  std::string channel;
  StoredEvent stored;
};

struct Results : Object {
  Results() : Object(Kind::kResults) {}
  std::string channel;
  std::vector<StoredEvent> events;
  std::size_t cursor = 0;
};

struct Bookmark : Object {
  Bookmark() : Object(Kind::kBookmark) {}
  std::string channel;
  std::uint64_t record_id = 0;
};

std::string Narrow(const wchar_t* wide) {
  if (wide == nullptr) return {};
  int length =
      WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(length > 0 ? length - 1 : 0), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide, -1, out.data(), length, nullptr,
                      nullptr);
  return out;
}

std::wstring Widen(const std::string& utf8) {
  int length = MultiByteToWideChar(CP_UTF8, 0, utf8.c_str(), -1, nullptr, 0);
  std::wstring out(static_cast<std::size_t>(length > 0 ? length - 1 : 0),
                   L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.c_str(), -1, out.data(), length);
  return out;
}

// The value of attribute `name='...'` in `text`, or "".
std::string AttributeValue(const std::string& text, const std::string& name) {
  std::size_t at = text.find(name + "='");
  if (at == std::string::npos) return {};
  at += name.size() + 2;
  std::size_t end = text.find('\'', at);
  return end == std::string::npos ? std::string() : text.substr(at, end - at);
}

// The folder fake-wevtapi-channels next to this DLL, or "" when the DLL
// cannot name its own file.
std::string FolderNextToThisDll() {
  HMODULE self = nullptr;
  if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                              GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          reinterpret_cast<LPCSTR>(&FolderNextToThisDll),
                          &self)) {
    return {};
  }
  char path[MAX_PATH];
  DWORD length = GetModuleFileNameA(self, path, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) return {};
  std::string dll(path, length);
  std::size_t slash = dll.find_last_of("\\/");
  if (slash == std::string::npos) return {};
  return dll.substr(0, slash + 1) + "fake-wevtapi-channels";
}

std::string ChannelFile(const std::string& channel) {
  // The Win32 environment, not the C runtime's copy of it: the test sets
  // the variable with SetEnvironmentVariableW.
  char dir_buffer[MAX_PATH];
  DWORD length = GetEnvironmentVariableA("ENTRA_PTA_FAKE_WEVTAPI_DIR",
                                         dir_buffer, MAX_PATH);
  std::string dir = length > 0 && length < MAX_PATH
                        ? std::string(dir_buffer, length)
                        : FolderNextToThisDll();
  std::string name = channel;
  for (char& c : name) {
    if (c == '/' || c == '\\') c = '_';
  }
  return (dir.empty() ? std::string(".") : dir) + "\\" + name + ".events";
}

template <typename T>
T* As(HANDLE handle, Kind kind) {
  auto* object = static_cast<Object*>(handle);
  if (object == nullptr || object->kind != kind) return nullptr;
  return static_cast<T*>(object);
}

std::string BookmarkXml(const Bookmark& bookmark) {
  return "<BookmarkList>\r\n  <Bookmark Channel='" + bookmark.channel +
         "' RecordId='" + std::to_string(bookmark.record_id) +
         "' IsCurrent='true'/>\r\n</BookmarkList>";
}

}  // namespace

extern "C" {

HANDLE WINAPI EvtQuery(HANDLE, const wchar_t* path, const wchar_t* query,
                       DWORD) {
  auto results = new Results;
  results->channel = Narrow(path);
  std::ifstream in(ChannelFile(results->channel), std::ios::binary);
  if (!in) {
    delete results;
    SetLastError(kChannelNotFound);
    return nullptr;
  }
  std::string since;
  const std::string text = Narrow(query);
  if (text != "*") {
    std::size_t at = text.find("@SystemTime>='");
    if (at == std::string::npos) {
      delete results;
      SetLastError(kInvalidQuery);
      return nullptr;
    }
    since = text.substr(at + 14, 23);  // YYYY-MM-DDTHH:MM:SS.mmm
  }
  std::string line;
  while (std::getline(in, line)) {
    std::size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    StoredEvent event{std::strtoull(line.substr(0, tab).c_str(), nullptr, 10),
                      line.substr(tab + 1)};
    if (!since.empty() &&
        AttributeValue(event.xml, "SystemTime").substr(0, 23) < since) {
      continue;
    }
    results->events.push_back(std::move(event));
  }
  return results;
}

BOOL WINAPI EvtSeek(HANDLE result_set, LONGLONG position, HANDLE bookmark,
                    DWORD, DWORD flags) {
  auto* results = As<Results>(result_set, Kind::kResults);
  auto* mark = As<Bookmark>(bookmark, Kind::kBookmark);
  if (results == nullptr || mark == nullptr ||
      flags != kSeekRelativeToBookmark || position != 1 ||
      mark->channel != results->channel) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  results->cursor = 0;
  while (results->cursor < results->events.size() &&
         results->events[results->cursor].record_id <= mark->record_id) {
    ++results->cursor;
  }
  return TRUE;
}

BOOL WINAPI EvtNext(HANDLE result_set, DWORD size, HANDLE* events, DWORD, DWORD,
                    DWORD* returned) {
  auto* results = As<Results>(result_set, Kind::kResults);
  if (results == nullptr || events == nullptr || returned == nullptr) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  *returned = 0;
  while (*returned < size && results->cursor < results->events.size()) {
    auto event = new Event;
    event->channel = results->channel;
    event->stored = results->events[results->cursor++];
    events[(*returned)++] = event;
  }
  if (*returned == 0) {
    SetLastError(ERROR_NO_MORE_ITEMS);
    return FALSE;
  }
  return TRUE;
}

BOOL WINAPI EvtRender(HANDLE, HANDLE fragment, DWORD flags, DWORD buffer_size,
                      void* buffer, DWORD* buffer_used, DWORD* property_count) {
  std::string text;
  if (flags == kRenderEventXml) {
    auto* event = As<Event>(fragment, Kind::kEvent);
    if (event == nullptr) {
      SetLastError(ERROR_INVALID_PARAMETER);
      return FALSE;
    }
    text = event->stored.xml;
  } else if (flags == kRenderBookmark) {
    auto* bookmark = As<Bookmark>(fragment, Kind::kBookmark);
    if (bookmark == nullptr) {
      SetLastError(ERROR_INVALID_PARAMETER);
      return FALSE;
    }
    text = BookmarkXml(*bookmark);
  } else {
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  std::wstring wide = Widen(text);
  auto needed = static_cast<DWORD>((wide.size() + 1) * sizeof(wchar_t));
  *buffer_used = needed;
  if (property_count != nullptr) *property_count = 0;
  if (buffer_size < needed || buffer == nullptr) {
    SetLastError(ERROR_INSUFFICIENT_BUFFER);
    return FALSE;
  }
  std::copy(wide.c_str(), wide.c_str() + wide.size() + 1,
            static_cast<wchar_t*>(buffer));
  return TRUE;
}

HANDLE WINAPI EvtCreateBookmark(const wchar_t* xml) {
  auto bookmark = new Bookmark;
  if (xml == nullptr) return bookmark;
  const std::string text = Narrow(xml);
  std::string record = AttributeValue(text, "RecordId");
  bookmark->channel = AttributeValue(text, "Channel");
  if (text.find("<BookmarkList") == std::string::npos || record.empty() ||
      record.find_first_not_of("0123456789") != std::string::npos ||
      bookmark->channel.empty()) {
    delete bookmark;
    SetLastError(kInvalidBookmark);
    return nullptr;
  }
  bookmark->record_id = std::strtoull(record.c_str(), nullptr, 10);
  return bookmark;
}

BOOL WINAPI EvtUpdateBookmark(HANDLE bookmark, HANDLE event) {
  auto* mark = As<Bookmark>(bookmark, Kind::kBookmark);
  auto* from = As<Event>(event, Kind::kEvent);
  if (mark == nullptr || from == nullptr) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  mark->channel = from->channel;
  mark->record_id = from->stored.record_id;
  return TRUE;
}

BOOL WINAPI EvtClose(HANDLE object) {
  delete static_cast<Object*>(object);
  return TRUE;
}

}  // extern "C"

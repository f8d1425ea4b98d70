#include "exporter/platform/event_log_sink_windows.h"

#include <streambuf>

#include "exporter/platform/win32_windows.h"

namespace entra_pta {
namespace {

// Every event of ours has this ID; the message file registered at install
// (windows_service_windows.cc) shows its text as is.
constexpr DWORD kEventId = 1000;

WORD EventTypeOf(const std::string& line) {
  if (line.find("level=error") != std::string::npos ||
      line.find("\"level\":\"error\"") != std::string::npos) {
    return EVENTLOG_ERROR_TYPE;
  }
  if (line.find("level=warn") != std::string::npos ||
      line.find("\"level\":\"warn\"") != std::string::npos) {
    return EVENTLOG_WARNING_TYPE;
  }
  return EVENTLOG_INFORMATION_TYPE;
}

}  // namespace

// Each complete line becomes one Event Log entry, typed by its level.
class EventLogSink::Buffer final : public std::streambuf {
 public:
  explicit Buffer(HANDLE source) : source_(source) {}
  ~Buffer() override { FlushLine(); }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return 0;
    char ch = traits_type::to_char_type(c);
    if (ch == '\n') {
      FlushLine();
    } else {
      line_ += ch;
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(s[i]);
    return n;
  }
  int sync() override {
    FlushLine();
    return 0;
  }

 private:
  void FlushLine() {
    if (line_.empty() || source_ == nullptr) {
      line_.clear();
      return;
    }
    std::wstring text = win32::Widen(line_);
    const wchar_t* strings[] = {text.c_str()};
    ReportEventW(source_, EventTypeOf(line_), 0, kEventId, nullptr, 1, 0,
                 strings, nullptr);
    line_.clear();
  }

  HANDLE source_;
  std::string line_;
};

EventLogSink::EventLogSink(const std::string& source_name)
    : source_(RegisterEventSourceW(nullptr, win32::Widen(source_name).c_str())),
      buffer_(std::make_unique<Buffer>(source_)),
      stream_(buffer_.get()) {}

EventLogSink::~EventLogSink() {
  stream_.flush();
  buffer_.reset();
  if (source_ != nullptr) DeregisterEventSource(source_);
}

}  // namespace entra_pta

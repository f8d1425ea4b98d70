// Where the eventlog collector resumes reading each channel: the bookmark
// Windows gave for the last event read (EvtRender of an EvtBookmark) or,
// before any event arrived, the time reading started. One small text file
// per channel under the state directory, written atomically (temporary file,
// then rename), so a crash mid-write leaves the old file or the new one.
// Format and parsing are pure functions, tested on Linux; a corrupt or
// truncated file is an error value, never a crash.
// Thread-safety: pure functions; BookmarkStore methods must not run
// concurrently for the same channel (the collector calls them from Collect,
// which the scrape runner never runs twice at once).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exporter/util/status.h"

namespace entra_pta::eventlog {

struct BookmarkState {
  // XML of the Windows bookmark (one line); empty until an event was read.
  std::string bookmark_xml;
  // Unix seconds: read events created at or after this time when there is
  // no bookmark yet.
  double since_seconds = 0;

  bool operator==(const BookmarkState&) const = default;
};

std::string SerializeBookmarkFile(std::string_view channel,
                                  const BookmarkState& state);

// The state, or why the text is not a complete bookmark file for `channel`.
StatusOr<BookmarkState> ParseBookmarkFile(std::string_view text,
                                          std::string_view channel);

// A file name for the channel: letters, digits, '-' and '.' kept, every
// other byte percent-encoded ("a/b" -> "a%2Fb.bookmark").
std::string BookmarkFileName(std::string_view channel);

class BookmarkStore {
 public:
  explicit BookmarkStore(std::string directory);

  // nullopt when the file does not exist; an error when it exists but
  // cannot be read or parsed.
  StatusOr<std::optional<BookmarkState>> Load(std::string_view channel) const;

  // Creates the directory if needed and replaces the file atomically.
  Status Save(std::string_view channel, const BookmarkState& state) const;

  std::string PathFor(std::string_view channel) const;

 private:
  std::string directory_;
};

}  // namespace entra_pta::eventlog

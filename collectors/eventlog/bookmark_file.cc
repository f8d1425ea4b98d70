#include "collectors/eventlog/bookmark_file.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace entra_pta::eventlog {
namespace {

constexpr std::string_view kHeader = "entra-pta-exporter eventlog bookmark 1";
// Larger files are not bookmarks of ours; do not read them into memory.
constexpr std::uintmax_t kMaxFileBytes = 64 * 1024;
// 9999-12-31T23:59:59Z, the last time SystemTime (and the since line, whose
// buffer below it fits) can express.
constexpr double kMaxSinceSeconds = 253402300799.0;

std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

std::filesystem::path PathFromUtf8(const std::string& text) {
  return std::filesystem::path(std::u8string(
      reinterpret_cast<const char8_t*>(text.data()), text.size()));
}

}  // namespace

std::string SerializeBookmarkFile(std::string_view channel,
                                  const BookmarkState& state) {
  char since[64];
  std::snprintf(since, sizeof since, "%.3f", state.since_seconds);
  std::string text(kHeader);
  text += "\nchannel=" + OneLine(channel) + "\nsince=" + since + "\n";
  if (!state.bookmark_xml.empty()) {
    text += "bookmark=" + OneLine(state.bookmark_xml) + "\n";
  }
  text += "end\n";
  return text;
}

StatusOr<BookmarkState> ParseBookmarkFile(std::string_view text,
                                          std::string_view channel) {
  BookmarkState state;
  bool saw_channel = false, saw_since = false, saw_end = false;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return Status::Error("truncated: the last line has no newline");
    }
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    ++line_number;
    if (saw_end) return Status::Error("content after the end line");
    if (line_number == 1) {
      if (line != kHeader) return Status::Error("not a bookmark file (header)");
      continue;
    }
    if (line == "end") {
      saw_end = true;
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::Error("line " + std::to_string(line_number) +
                           ": expected key=value");
    }
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "channel" && !saw_channel) {
      if (value != OneLine(channel)) {
        return Status::Error("written for another channel \"" +
                             std::string(value) + "\"");
      }
      saw_channel = true;
    } else if (key == "since" && !saw_since) {
      auto [end, ec] = std::from_chars(
          value.data(), value.data() + value.size(), state.since_seconds);
      if (ec != std::errc() || end != value.data() + value.size() ||
          !std::isfinite(state.since_seconds) || state.since_seconds < 0 ||
          state.since_seconds > kMaxSinceSeconds) {
        return Status::Error("line " + std::to_string(line_number) +
                             ": invalid since");
      }
      saw_since = true;
    } else if (key == "bookmark" && state.bookmark_xml.empty()) {
      if (value.find("<BookmarkList") == std::string_view::npos) {
        return Status::Error("line " + std::to_string(line_number) +
                             ": the bookmark is not a <BookmarkList>");
      }
      state.bookmark_xml = std::string(value);
    } else {
      return Status::Error("line " + std::to_string(line_number) +
                           ": unexpected or repeated " + std::string(key));
    }
  }
  if (line_number == 0) return Status::Error("empty file");
  if (!saw_end) return Status::Error("truncated: no end line");
  if (!saw_channel || !saw_since) {
    return Status::Error("incomplete: channel or since missing");
  }
  return state;
}

std::string BookmarkFileName(std::string_view channel) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string name;
  for (char c : channel) {
    auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.') {
      name += c;
    } else {
      name += '%';
      name += kHex[byte >> 4];
      name += kHex[byte & 0xF];
    }
  }
  return name + ".bookmark";
}

BookmarkStore::BookmarkStore(std::string directory)
    : directory_(std::move(directory)) {}

std::string BookmarkStore::PathFor(std::string_view channel) const {
  return (PathFromUtf8(directory_) / BookmarkFileName(channel)).string();
}

StatusOr<std::optional<BookmarkState>> BookmarkStore::Load(
    std::string_view channel) const {
  const std::filesystem::path path =
      PathFromUtf8(directory_) / BookmarkFileName(channel);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec)
      return Status::Error("cannot check " + path.string() + ": " +
                           ec.message());
    return std::optional<BookmarkState>();
  }
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec)
    return Status::Error("cannot read " + path.string() + ": " + ec.message());
  if (size > kMaxFileBytes)
    return Status::Error(path.string() + " is too large");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Status::Error("cannot read " + path.string());
  auto parsed = ParseBookmarkFile(text.str(), channel);
  if (!parsed.ok()) {
    return Status::Error(path.string() + ": " + parsed.status().message());
  }
  return std::optional<BookmarkState>(*std::move(parsed));
}

Status BookmarkStore::Save(std::string_view channel,
                           const BookmarkState& state) const {
  const std::filesystem::path dir = PathFromUtf8(directory_);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::Error("cannot create the state directory " + dir.string() +
                         ": " + ec.message());
  }
  const std::filesystem::path path = dir / BookmarkFileName(channel);
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << SerializeBookmarkFile(channel, state);
    out.flush();
    if (!out) {
      return Status::Error("cannot write " + temporary.string());
    }
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return Status::Error("cannot replace " + path.string() + ": " +
                         ec.message());
  }
  return Status::Ok();
}

}  // namespace entra_pta::eventlog

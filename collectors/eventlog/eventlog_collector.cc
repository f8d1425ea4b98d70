#include "collectors/eventlog/eventlog_collector.h"

#include <charconv>
#include <variant>

#include "collectors/eventlog/event_xml.h"
#include "exporter/sdk/metric_builder.h"
#include "exporter/util/env_expansion.h"

namespace entra_pta::eventlog {
namespace {

constexpr std::chrono::milliseconds kDeadlineReserve{100};

}  // namespace

EventlogSettings ParseEventlogSettings(const ConfigSection& section) {
  EventlogSettings settings;
  if (auto channels = section.StringList("channels")) {
    settings.channels = *channels;
  }
  if (auto dir = section.String("state_dir")) settings.state_dir = *dir;
  if (auto look_back = section.Duration("look_back")) {
    settings.look_back = *look_back;
  }
  if (auto named = section.Section("named_event_ids")) {
    settings.named_event_ids.clear();
    for (const std::string& key : named->Keys()) {
      std::uint32_t id = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
      if (key.empty() || ec != std::errc() || end != key.data() + key.size() ||
          id > 65535) {
        named->FailAtKey(key, named->path() + ": \"" + key +
                                  "\" is not an event ID (0-65535)");
      }
      std::string meaning = *named->String(key);
      for (char c : meaning) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
          named->Fail(key, named->path() + "." + key + ": meaning \"" +
                               meaning +
                               "\" must be lower_snake_case (a-z, 0-9, _)");
        }
      }
      settings.named_event_ids[id] = meaning;
    }
    named->RejectUnknownKeys();
  }
  return settings;
}

EventlogCollector::EventlogCollector(EventlogSettings settings,
                                     std::unique_ptr<EventSource> source,
                                     bool supported, const Clock& clock,
                                     Logger* logger)
    : settings_(std::move(settings)),
      source_(std::move(source)),
      supported_(supported),
      store_(ExpandEnvironmentReferences(settings_.state_dir)),
      clock_(clock),
      logger_(logger) {}

void EventlogCollector::Warn(const std::string& message,
                             const std::string& channel) {
  if (logger_ != nullptr) {
    logger_->Log(LogLevel::kWarn, "eventlog", message, {{"channel", channel}});
  }
}

void EventlogCollector::ResetStart(const std::string& channel,
                                   ChannelState& state,
                                   const std::string& why) {
  Warn(
      "replacing the bookmark; events from the look-back window on are read "
      "again: " +
          why,
      channel);
  ++state.bookmark_resets;
  state.start =
      BookmarkState{"", ToUnixSeconds(clock_.Now() - settings_.look_back)};
  if (Status saved = store_.Save(channel, state.start); !saved.ok()) {
    Warn(saved.message(), channel);
  }
}

void EventlogCollector::LoadStart(const std::string& channel,
                                  ChannelState& state) {
  state.loaded = true;
  auto loaded = store_.Load(channel);
  if (!loaded.ok()) {
    ResetStart(channel, state, loaded.status().message());
    return;
  }
  if (loaded->has_value()) {
    state.start = **loaded;
    return;
  }
  // First start: from now (or the look-back), never the whole history. The
  // start is saved at once so a restart before the first event keeps it.
  state.start =
      BookmarkState{"", ToUnixSeconds(clock_.Now() - settings_.look_back)};
  if (Status saved = store_.Save(channel, state.start); !saved.ok()) {
    Warn(saved.message(), channel);
  }
}

Status EventlogCollector::ReadChannel(const std::string& channel,
                                      ChannelState& state,
                                      const ScrapeContext& context) {
  if (!state.loaded) LoadStart(channel, state);
  bool rereading_after_reset = false;
  auto on_event = [&](std::string_view xml) {
    auto parsed = ParseRenderedEvent(xml);
    if (!parsed.ok()) {
      ++state.unparsable_events;
      return;
    }
    const EventFields& event = *parsed;
    double when =
        event.time_created_seconds.value_or(ToUnixSeconds(clock_.Now()));
    // After a rejected bookmark the look-back window is read again; what
    // this process counted already (no newer record id, no newer time) is
    // skipped. Both must be old: a cleared log restarts record ids.
    if (rereading_after_reset && event.record_id && state.max_record_id &&
        *event.record_id <= *state.max_record_id &&
        when <= state.max_counted_time) {
      return;
    }
    ++counts_[{channel, event.provider, event.event_id,
               LevelName(event.level)}];
    double& last = last_seen_[{channel, event.event_id}];
    if (when > last) last = when;
    if (event.record_id &&
        (!state.max_record_id || *event.record_id > *state.max_record_id)) {
      state.max_record_id = event.record_id;
    }
    if (when > state.max_counted_time) state.max_counted_time = when;
  };
  // Stop reading a little before the scrape's deadline so this scrape can
  // still expose what was read; a long backlog (a burst of 100,000 events)
  // is finished by the next scrapes, from the bookmark.
  const auto read_deadline = context.deadline - kDeadlineReserve;
  ChannelRead read =
      source_->ReadNew(channel, state.start, read_deadline, on_event);
  if (read.outcome == ReadOutcome::kBadBookmark) {
    ResetStart(channel, state, read.error);
    rereading_after_reset = true;
    read = source_->ReadNew(channel, state.start, read_deadline, on_event);
  }
  // Events handed over were counted: keep their bookmark even when the
  // read then failed, or the next scrape would count them again.
  Status saved = Status::Ok();
  if (!read.bookmark_xml.empty() &&
      read.bookmark_xml != state.start.bookmark_xml) {
    state.start.bookmark_xml = read.bookmark_xml;
    saved = store_.Save(channel, state.start);
  }
  switch (read.outcome) {
    case ReadOutcome::kChannelMissing:
      state.up = false;
      return Status::Ok();
    case ReadOutcome::kBadBookmark:
    case ReadOutcome::kError:
      state.up = false;
      return Status::Error("channel " + channel + ": " + read.error);
    case ReadOutcome::kOk:
      break;
  }
  state.up = true;
  if (!saved.ok()) {
    return Status::Error("channel " + channel + ": " + saved.message());
  }
  return Status::Ok();
}

Status EventlogCollector::Collect(const ScrapeContext& context,
                                  std::vector<prometheus::MetricFamily>& out) {
  auto supported = GaugeFamily(
      "entra_pta_eventlog_os_supported",
      "1 if this OS has the Windows Event Log the eventlog collector reads.");
  AddSample(supported, {}, supported_ ? 1 : 0);
  out.push_back(std::move(supported));
  if (!supported_) {
    return Status::Error(
        "the eventlog collector is unsupported on this OS (it reads the "
        "Windows Event Log)");
  }

  std::string errors;
  for (const std::string& channel : settings_.channels) {
    Status status = ReadChannel(channel, channels_[channel], context);
    if (!status.ok()) errors += (errors.empty() ? "" : "; ") + status.message();
  }

  auto up = GaugeFamily("entra_pta_eventlog_channel_up",
                        "1 if the channel exists and was read this scrape.");
  auto resets = CounterFamily(
      "entra_pta_eventlog_bookmark_resets_total",
      "Times the channel's saved bookmark was corrupt or rejected and was "
      "replaced.");
  auto unparsable = CounterFamily(
      "entra_pta_eventlog_unparsable_events_total",
      "Events of the channel whose rendered XML could not be parsed (not "
      "counted in entra_pta_events_total).");
  for (const std::string& channel : settings_.channels) {
    const ChannelState& state = channels_[channel];
    AddSample(up, {{"channel", channel}}, state.up ? 1 : 0);
    AddSample(resets, {{"channel", channel}},
              static_cast<double>(state.bookmark_resets));
    AddSample(unparsable, {{"channel", channel}},
              static_cast<double>(state.unparsable_events));
  }
  auto events = CounterFamily(
      "entra_pta_events_total",
      "Events read from the channel since the exporter started, by provider, "
      "event ID and level.");
  for (const auto& [key, count] : counts_) {
    const auto& [channel, provider, id, level] = key;
    AddSample(events,
              {{"channel", channel},
               {"provider", provider},
               {"event_id", std::to_string(id)},
               {"level", level}},
              static_cast<double>(count));
  }
  auto last = GaugeFamily(
      "entra_pta_event_last_timestamp_seconds",
      "Creation time (Unix seconds) of the newest event read with this ID.");
  for (const auto& [key, when] : last_seen_) {
    AddSample(
        last,
        {{"channel", key.first}, {"event_id", std::to_string(key.second)}},
        when);
  }
  auto info = GaugeFamily("entra_pta_event_id_info",
                          "Named event IDs and what they mean (value 1).");
  for (const auto& [id, meaning] : settings_.named_event_ids) {
    AddSample(info, {{"event_id", std::to_string(id)}, {"meaning", meaning}},
              1);
  }
  out.push_back(std::move(up));
  out.push_back(std::move(resets));
  out.push_back(std::move(unparsable));
  out.push_back(std::move(events));
  out.push_back(std::move(last));
  out.push_back(std::move(info));
  if (!errors.empty()) return Status::Error(errors);
  return Status::Ok();
}

}  // namespace entra_pta::eventlog

// The eventlog collector: how many events of each ID, level and provider
// the PTA agent's Event Log channels received, and when each ID was last
// seen. It reads only what arrived since the previous scrape (one bookmark
// per channel, persisted under state_dir so a restart neither re-counts
// history nor loses events) and counts every event, not only the named IDs.
// Thread-safety: Collect() is not reentrant (the scrape runner guarantees
// one call at a time); the counters live in the collector.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "collectors/eventlog/bookmark_file.h"
#include "collectors/eventlog/event_source.h"
#include "exporter/sdk/clock.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/config_section.h"
#include "exporter/sdk/logger.h"

namespace entra_pta::eventlog {

struct EventlogSettings {
  std::vector<std::string> channels = {
      "Microsoft-AzureADConnect-AuthenticationAgent/Admin",
      "Microsoft-AzureADConnect-AgentUpdater/Admin"};
  // %NAME% references are expanded from the environment.
  std::string state_dir = "%ProgramData%\\entra-pta-exporter\\eventlog";
  // Without a bookmark, start this far back (0: from now).
  std::chrono::milliseconds look_back{0};
  // Event IDs with a meaning (entra_pta_event_id_info).
  std::map<std::uint32_t, std::string> named_event_ids = {
      {31019, "dc_unreachable"}, {31034, "cloud_unreachable"}};
};

// Reads collectors.eventlog (all keys optional). Throws ConfigError.
EventlogSettings ParseEventlogSettings(const ConfigSection& section);

class EventlogCollector final : public Collector {
 public:
  // `clock` (and `logger` when not null) must outlive the collector.
  EventlogCollector(EventlogSettings settings,
                    std::unique_ptr<EventSource> source, bool supported,
                    const Clock& clock, Logger* logger);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  struct ChannelState {
    bool loaded = false;
    BookmarkState start;
    bool up = false;
    std::uint64_t bookmark_resets = 0;
    std::uint64_t unparsable_events = 0;
    // The newest event counted in this process (record id and time), so a
    // look-back re-read after a rejected bookmark does not count again.
    std::optional<std::uint64_t> max_record_id;
    double max_counted_time = 0;
  };
  using CounterKey = std::tuple<std::string, std::string, std::uint32_t,
                                std::string>;  // channel, provider, id, level

  void LoadStart(const std::string& channel, ChannelState& state);
  void ResetStart(const std::string& channel, ChannelState& state,
                  const std::string& why);
  Status ReadChannel(const std::string& channel, ChannelState& state,
                     const ScrapeContext& context);
  void Warn(const std::string& message, const std::string& channel);

  EventlogSettings settings_;
  std::unique_ptr<EventSource> source_;
  bool supported_;
  BookmarkStore store_;
  const Clock& clock_;
  Logger* logger_;
  std::map<std::string, ChannelState> channels_;
  std::map<CounterKey, std::uint64_t> counts_;
  std::map<std::pair<std::string, std::uint32_t>, double> last_seen_;
};

}  // namespace entra_pta::eventlog

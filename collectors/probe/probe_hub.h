// ProbeHub: runs one round of endpoint probes for a scrape and shares it
// between the endpoint and tls collectors, so each target gets one
// connection and one TLS handshake per scrape however many collectors read
// it. A round started less than `join_window` ago, or still running, is
// joined instead of starting another (single flight). It also decides each
// target's proxy, records the "bootstrap" sign of life, and logs a target's
// failure when its reason changes (and its recovery), not on every scrape.
// A round never costs a scrape its series: probes stop kProbeReserve before
// the scrape deadline, so the finished targets are reported and the others
// as timed out; a scrape that joins a round still running at its own
// deadline reports every target as timed out (never a missing series).
// Thread-safety: Round() may be called concurrently from any thread.
#pragma once

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectors/probe/endpoint_settings.h"
#include "collectors/probe/prober.h"
#include "collectors/probe/proxy_choice.h"
#include "exporter/sdk/clock.h"
#include "exporter/sdk/logger.h"
#include "exporter/sdk/sign_of_life_times.h"
#include "exporter/util/status.h"

namespace entra_pta::probe {

// The SignOfLifeTimes name for a successful reach of the bootstrap endpoint.
inline constexpr char kBootstrapSignal[] = "bootstrap";

// How long before the scrape deadline the probes stop, leaving time to
// judge the chains, build the samples and answer; and how long before it a
// scrape that joined a running round stops waiting for it.
inline constexpr std::chrono::milliseconds kProbeReserve{250};
inline constexpr std::chrono::milliseconds kJoinReserve{50};

// The deadline the probes get for a scrape `deadline`: kProbeReserve
// earlier, or half-way there when the scrape has less than twice that left.
std::chrono::steady_clock::time_point ProbeDeadline(
    std::chrono::steady_clock::time_point deadline,
    std::chrono::steady_clock::time_point now);

// The key under which the endpoint collector's factory shares its ProbeHub
// (SharedObjects) and the tls collector's factory finds it, so one
// handshake per target serves both.
inline constexpr char kProbeHubSharedKey[] = "endpoint.probe_hub";

struct ProbeRound {
  // Not ok when the round could not run as configured (e.g. the agent's
  // .exe.config is unreadable with proxy_from_agent_config on), in which
  // case `requests` is empty, or when the results are incomplete.
  Status status = Status::Ok();
  std::vector<ProbeRequest> requests;
  std::vector<ProbeResult> results;  // one per request
};

class ProbeHub {
 public:
  // `clock`, and `signals`/`logger` when not null, must outlive the hub.
  ProbeHub(
      EndpointSettings settings, std::unique_ptr<Prober> prober,
      const Clock& clock, SignOfLifeTimes* signals, Logger* logger,
      EnvironmentLookup environment = ProcessEnvironment,
      std::chrono::milliseconds join_window = std::chrono::milliseconds(250));

  // The current round, run now or joined, in time for `deadline`: probes
  // still running then are reported as kTimeout ("still running at the
  // scrape deadline"). Never nullptr.
  std::shared_ptr<const ProbeRound> Round(
      std::chrono::steady_clock::time_point deadline);

  const EndpointSettings& settings() const { return settings_; }

 private:
  std::shared_ptr<const ProbeRound> Run(
      std::chrono::steady_clock::time_point deadline);
  // Every target of the running round as timed out, for a joiner.
  std::shared_ptr<const ProbeRound> TimedOutRound() const;
  void LogChanges(const ProbeRound& round);

  const EndpointSettings settings_;
  const std::unique_ptr<Prober> prober_;
  const Clock& clock_;
  SignOfLifeTimes* const signals_;
  Logger* const logger_;
  const EnvironmentLookup environment_;
  const std::chrono::milliseconds join_window_;

  mutable std::mutex mu_;
  std::shared_future<std::shared_ptr<const ProbeRound>> current_;
  std::chrono::steady_clock::time_point current_start_;
  bool running_ = false;
  // The running round's requests (proxy decided), once known; joiners
  // report these when the round misses their deadline.
  std::shared_ptr<const std::vector<ProbeRequest>> current_requests_;
  std::map<std::string, std::string> last_failure_;  // endpoint -> reason
  std::string last_round_error_;
};

}  // namespace entra_pta::probe

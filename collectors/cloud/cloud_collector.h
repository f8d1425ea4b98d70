// The cloud collector: what Entra itself says about every PTA agent of the
// tenant (Microsoft Graph beta agentGroups?$expand=agents). Meant for one
// central exporter per tenant. A background thread refreshes the agent list
// (every refresh_interval, single-flight by construction: one thread), so a
// scrape only reads the latest result and never waits on Graph. Throttling
// (429/503) is honoured through Retry-After; other failures back off.
// With the same token it reads the tenant's sign-in logs for PTA failures
// (counted once per sign-in id through the ledger in the state file) and
// the organization's directory sync times (directory_signals.h); either
// being unavailable (no licence, no consent, ...) is a metric with a
// reason and one log line per change, never a failed collector.
// It also records the SignOfLifeTimes signal "cloud" whenever Graph reports the
// agent of this machine (by machine name) active, for the heartbeat
// collector, and persists each agent's last-seen-active time in the state
// file.
// Thread-safety: Collect() may run on any thread, concurrently with the
// background refresh; shared state is under a mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collectors/cloud/directory_signals.h"
#include "collectors/cloud/graph_session.h"
#include "collectors/cloud/http_client.h"
#include "collectors/cloud/state_store.h"
#include "exporter/sdk/clock.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/config_section.h"
#include "exporter/sdk/logger.h"
#include "exporter/sdk/sign_of_life_times.h"
#include "exporter/sdk/tenant_settings.h"

namespace entra_pta::cloud {

struct CloudSettings {
  GraphSettings graph;
  std::string ca_file;  // empty: the system's trust store
  std::chrono::milliseconds refresh_interval = std::chrono::minutes(5);
  // Matched against Graph's machineName for the heartbeat "cloud" signal.
  std::string machine_name;
  // PTA sign-in failures from the sign-in logs (collectors.cloud.
  // signin_failures) and how far back the first query looks.
  bool signin_failures = true;
  std::chrono::milliseconds signin_lookback = std::chrono::hours(1);
  // The organization's directory sync times (collectors.cloud.
  // directory_sync).
  bool directory_sync = true;
};

// Reads collectors.cloud with the tenant section. When the section enables
// the collector (or `require_complete`, for `graph login`), tenant.id and
// client_id are required. Throws ConfigError.
CloudSettings ParseCloudSettings(const ConfigSection& section,
                                 const TenantSettings& tenant,
                                 bool require_complete = false);

// True when Graph's machineName names this machine: equal ignoring case,
// or equal in the first DNS label ("pta01" vs "pta01.corp.example.com").
bool SameMachine(const std::string& graph_machine_name,
                 const std::string& local_name);

// The HTTPS client the collector uses: libcurl trusting `ca_file`, its
// transfers aborted once `cancel` is set.
std::unique_ptr<HttpClient> MakeCloudHttpClient(
    const CloudSettings& settings, const std::atomic<bool>* cancel);

class CloudCollector final : public Collector {
 public:
  // Builds the collector's HTTP client given the collector's cancellation
  // flag (set on destruction).
  using HttpFactory = std::function<std::unique_ptr<HttpClient>(
      const std::atomic<bool>* cancel)>;

  // `clock` and `signals` (may be null) must outlive the collector. The
  // background thread starts on the first Collect(), so building the
  // collector does no I/O. With `background` false there is no thread and
  // only RefreshNow() refreshes (unit tests drive it step by step).
  // `logger` (may be null) gets one line per change of the sign-in logs'
  // or the organization's availability.
  CloudCollector(CloudSettings settings, const HttpFactory& make_http,
                 const Clock& clock, SignOfLifeTimes* signals,
                 bool background = true, Logger* logger = nullptr);
  ~CloudCollector() override;

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

  // Runs one refresh on the calling thread and applies it (tests).
  void RefreshNow();
  // The delay before the next background refresh after the last one.
  std::chrono::milliseconds NextDelay() const;

 private:
  void Run();
  void LoadStateOnce();
  void Apply(const RefreshOutcome& outcome);
  // Reads the sign-in logs and the organization (as configured) and
  // applies them; one refresh thread only.
  void RefreshDirectorySignals();
  void ApplySignIns(const SignInQueryResult& result);
  void ApplyOrganization(const OrganizationResult& result);
  // Logs a change of an `_available` state; under mu_.
  void NoteAvailability(const char* what, std::string& current,
                        const std::string& next, const Status& status);
  // Writes the last-active times and the sign-in ledger to the state file.
  void Persist();
  void CollectDirectorySignals(std::vector<prometheus::MetricFamily>& out);

  const CloudSettings settings_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<HttpClient> http_;
  const Clock& clock_;
  SignOfLifeTimes* signals_;
  Logger* logger_;
  GraphSession session_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  const bool background_;
  bool started_ = false;
  std::thread thread_;

  // The latest results, under mu_.
  bool attempted_ = false;
  bool api_up_ = false;
  std::string last_error_;
  std::vector<Agent> agents_;
  std::optional<std::chrono::system_clock::time_point> last_success_;
  std::map<std::string, LastActive> last_active_;
  bool state_loaded_ = false;
  std::string state_error_;
  int consecutive_failures_ = 0;
  std::chrono::milliseconds next_delay_{0};
  // Sign-in logs and organization, under mu_. A reason is "" before the
  // first query, then "ok" or a QueryFailureReason.
  SignInLedger ledger_;
  bool signins_read_once_ = false;  // the counters exist from then on
  std::string signin_reason_;
  std::string organization_reason_;
  std::optional<DirectorySync> directory_sync_;  // the last one read
};

}  // namespace entra_pta::cloud

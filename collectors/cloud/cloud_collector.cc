#include "collectors/cloud/cloud_collector.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "collectors/cloud/platform.h"
#include "exporter/sdk/metric_builder.h"

namespace entra_pta::cloud {
namespace {

constexpr char kCloudSignal[] = "cloud";
constexpr auto kFirstBackoff = std::chrono::seconds(15);

std::string Lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

bool IsGuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-'
             : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
      return false;
    }
  }
  return true;
}

std::string HttpsUrl(const ConfigSection& section, const std::string& key,
                     const std::string& fallback) {
  auto value = section.String(key);
  if (!value) return fallback;
  if (value->rfind("https://", 0) != 0 || value->size() <= 8) {
    section.Fail(key, section.path() + "." + key +
                          ": must be an https:// URL, "
                          "got \"" +
                          *value + "\"");
  }
  std::string url = *value;
  while (url.back() == '/') url.pop_back();
  return url;
}

// How the exporter signs in: the grant and the secret or certificate
// it needs.
void ParseCredentials(const ConfigSection& section, GraphSettings& graph) {
  const std::string prefix = section.path() + ".";
  if (auto auth = section.String("auth")) {
    if (*auth == "device_code") {
      graph.auth = AuthMode::kDeviceCode;
    } else if (*auth == "client_secret") {
      graph.auth = AuthMode::kClientSecret;
    } else if (*auth == "client_certificate") {
      graph.auth = AuthMode::kClientCertificate;
    } else {
      section.Fail("auth", prefix + "auth: invalid value \"" + *auth +
                               "\" (use device_code, client_secret or "
                               "client_certificate)");
    }
  }
  if (auto env = section.String("client_secret_env")) {
    graph.client_secret_env = *env;
  }
  if (auto file = section.String("client_secret_file")) {
    graph.client_secret_file = *file;
  }
  if (!graph.client_secret_env.empty() && !graph.client_secret_file.empty()) {
    section.Fail("client_secret_file",
                 prefix +
                     "client_secret_file: set either client_secret_env "
                     "or client_secret_file, not both");
  }
  if (graph.auth == AuthMode::kClientSecret &&
      graph.client_secret_env.empty() && graph.client_secret_file.empty()) {
    section.Fail("auth", prefix +
                             "auth: client_secret needs "
                             "client_secret_env or client_secret_file");
  }
  if (auto file = section.String("client_certificate_file")) {
    graph.client_certificate_file = *file;
  }
  if (auto file = section.String("client_key_file")) {
    graph.client_key_file = *file;
  }
  if (graph.auth == AuthMode::kClientCertificate &&
      (graph.client_certificate_file.empty() ||
       graph.client_key_file.empty())) {
    section.Fail("auth", prefix +
                             "auth: client_certificate needs "
                             "client_certificate_file and "
                             "client_key_file");
  }
}

}  // namespace

CloudSettings ParseCloudSettings(const ConfigSection& section,
                                 const TenantSettings& tenant,
                                 bool require_complete) {
  CloudSettings settings;
  const std::string prefix = section.path() + ".";
  settings.graph.tenant_id = tenant.id;
  settings.graph.authority_url =
      HttpsUrl(section, "authority_url", DefaultAuthorityUrl(tenant.cloud));
  settings.graph.graph_url =
      HttpsUrl(section, "graph_url", DefaultGraphUrl(tenant.cloud));
  if (auto id = section.String("client_id")) {
    if (!IsGuid(*id)) {
      section.Fail("client_id", prefix +
                                    "client_id: invalid application "
                                    "(client) ID \"" +
                                    *id + "\" (a GUID)");
    }
    settings.graph.client_id = Lower(*id);
  }
  ParseCredentials(section, settings.graph);
  settings.graph.state_file = DefaultStateFile();
  if (auto file = section.String("state_file")) {
    settings.graph.state_file = *file;
  }
  if (auto file = section.String("ca_file")) settings.ca_file = *file;
  if (auto interval = section.Duration("refresh_interval")) {
    if (interval->count() == 0) {
      section.Fail("refresh_interval",
                   prefix + "refresh_interval: must be greater than 0");
    }
    settings.refresh_interval = *interval;
  }
  if (auto timeout = section.Duration("request_timeout")) {
    if (timeout->count() == 0) {
      section.Fail("request_timeout",
                   prefix + "request_timeout: must be greater than 0");
    }
    settings.graph.request_timeout = *timeout;
  }
  settings.signin_failures =
      section.Bool("signin_failures").value_or(settings.signin_failures);
  settings.directory_sync =
      section.Bool("directory_sync").value_or(settings.directory_sync);
  // At least the overlap (a shorter look-back would forget ids the next
  // query reads again), at most Entra's 30-day sign-in log retention.
  if (auto lookback = section.Duration("signin_lookback")) {
    if (*lookback < kSignInOverlap || *lookback > std::chrono::hours(24 * 30)) {
      section.Fail("signin_lookback",
                   prefix + "signin_lookback: must be between 15m and 30d");
    }
    settings.signin_lookback = *lookback;
  }
  settings.machine_name = LocalMachineName();
  if (auto name = section.String("machine_name")) {
    settings.machine_name = Lower(*name);
  }
  const bool enabled = section.Bool("enabled").value_or(false);
  if (enabled || require_complete) {
    if (tenant.id.empty()) {
      section.Fail("enabled", prefix +
                                  "enabled: the cloud collector needs "
                                  "tenant.id (the directory's GUID)");
    }
    if (settings.graph.client_id.empty()) {
      section.Fail("enabled",
                   prefix +
                       "client_id: required (the application ID of the "
                       "app registration the exporter signs in with)");
    }
  }
  return settings;
}

bool SameMachine(const std::string& graph_machine_name,
                 const std::string& local_name) {
  const std::string a = Lower(graph_machine_name);
  const std::string b = Lower(local_name);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  return a.substr(0, a.find('.')) == b.substr(0, b.find('.'));
}

std::unique_ptr<HttpClient> MakeCloudHttpClient(
    const CloudSettings& settings, const std::atomic<bool>* cancel) {
  CurlSettings curl;
  curl.ca_file = settings.ca_file;
  curl.cancel = cancel;
  return MakeCurlHttpClient(curl);
}

CloudCollector::CloudCollector(CloudSettings settings,
                               const HttpFactory& make_http, const Clock& clock,
                               SignOfLifeTimes* signals, bool background,
                               Logger* logger)
    : settings_(std::move(settings)),
      http_(make_http(&stopping_)),
      clock_(clock),
      signals_(signals),
      logger_(logger),
      session_(settings_.graph, *http_, clock),
      background_(background) {
  if (background_) {
    // A throttled Graph read waits here, so shutdown never waits for it.
    session_.SetWait([this](std::chrono::seconds delay) {
      std::unique_lock lock(mu_);
      return !wake_.wait_for(lock, delay, [&] { return stopping_.load(); });
    });
  }
}

CloudCollector::~CloudCollector() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CloudCollector::LoadStateOnce() {
  std::lock_guard lock(mu_);
  if (state_loaded_) return;
  state_loaded_ = true;
  auto loaded = LoadCloudState(settings_.graph.state_file);
  if (loaded.ok()) {
    last_active_ = loaded->last_active;
    ledger_ = loaded->signin_failures;
  } else {
    state_error_ = loaded.status().message();
  }
}

void CloudCollector::RefreshNow() {
  LoadStateOnce();
  const RefreshOutcome outcome = session_.Refresh();
  Apply(outcome);
  // Graph's throttling is per app and tenant: when it asked to wait, the
  // other queries wait too.
  if (!outcome.retry_after) RefreshDirectorySignals();
  Persist();
}

std::chrono::milliseconds CloudCollector::NextDelay() const {
  std::lock_guard lock(mu_);
  return next_delay_;
}

void CloudCollector::Apply(const RefreshOutcome& outcome) {
  const auto now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    attempted_ = true;
    if (!outcome.status.ok()) {
      api_up_ = false;
      last_error_ = outcome.status.message();
      ++consecutive_failures_;
      if (outcome.retry_after) {
        // Honour the server, within reason: a hostile or broken
        // Retry-After must neither stop refreshes for years nor overflow
        // the wait into a busy loop.
        next_delay_ = std::clamp<std::chrono::milliseconds>(
            *outcome.retry_after, std::chrono::seconds(1),
            std::max<std::chrono::milliseconds>(settings_.refresh_interval,
                                                std::chrono::hours(1)));
      } else {
        auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(
            kFirstBackoff * (1LL << std::min(consecutive_failures_ - 1, 10)));
        next_delay_ = std::min(backoff, settings_.refresh_interval);
      }
      return;
    }
    api_up_ = true;
    last_error_.clear();
    consecutive_failures_ = 0;
    next_delay_ = settings_.refresh_interval;
    agents_ = outcome.agents;
    last_success_ = now;
    for (const Agent& agent : agents_) {
      if (agent.status != "active") continue;
      last_active_[agent.id] = LastActive{agent.machine_name, now};
      if (signals_ != nullptr &&
          SameMachine(agent.machine_name, settings_.machine_name)) {
        signals_->Record(kCloudSignal, now);
      }
    }
  }
}

void CloudCollector::Persist() {
  std::map<std::string, LastActive> last_active;
  SignInLedger ledger;
  {
    std::lock_guard lock(mu_);
    last_active = last_active_;
    ledger = ledger_;
  }
  // Only the last-active times and the ledger are ours to change; a
  // refresh token written meanwhile (by `graph login` or a rotation) is
  // kept.
  Status saved =
      UpdateCloudState(settings_.graph.state_file, [&](CloudState& state) {
        state.last_active = std::move(last_active);
        state.signin_failures = std::move(ledger);
      });
  std::lock_guard lock(mu_);
  state_error_ = saved.ok() ? "" : saved.message();
}

void CloudCollector::Run() {
  LoadStateOnce();
  while (!stopping_) {
    RefreshOutcome outcome;
    try {
      outcome = session_.Refresh();
    } catch (const std::exception& e) {
      // An exception here would end the whole exporter (std::terminate):
      // report it as a failed refresh instead and retry with backoff.
      outcome.status = Status::Error(
          std::string("the Graph refresh failed unexpectedly: ") + e.what());
    }
    if (stopping_) break;
    Apply(outcome);
    try {
      // Graph's throttling is per app and tenant: when it asked to wait,
      // the other queries wait too.
      if (!outcome.retry_after) RefreshDirectorySignals();
    } catch (const std::exception& e) {
      std::lock_guard lock(mu_);
      NoteAvailability(
          "sign-in logs", signin_reason_, "bad_response",
          Status::Error(std::string("failed unexpectedly: ") + e.what()));
    }
    if (stopping_) break;
    Persist();
    std::unique_lock lock(mu_);
    // Bounded so that no configured interval can overflow the clock.
    wake_.wait_for(lock,
                   std::min<std::chrono::milliseconds>(
                       next_delay_, std::chrono::hours(24 * 30)),
                   [&] { return stopping_.load(); });
  }
}

Status CloudCollector::Collect(const ScrapeContext& /*context*/,
                               std::vector<prometheus::MetricFamily>& out) {
  std::lock_guard lock(mu_);
  if (background_ && !started_) {
    started_ = true;
    thread_ = std::thread([this] { Run(); });
  }
  if (attempted_) {
    auto up = GaugeFamily("entra_pta_cloud_api_up",
                          "1 if the last refresh of the agent list from "
                          "Microsoft Graph succeeded, else 0.");
    AddSample(up, {}, api_up_ ? 1 : 0);
    out.push_back(std::move(up));
  }
  if (last_success_) {
    auto refreshed = GaugeFamily(
        "entra_pta_cloud_last_refresh_timestamp_seconds",
        "Unix time of the last successful refresh of the agent list from "
        "Microsoft Graph.");
    AddSample(refreshed, {}, ToUnixSeconds(*last_success_));
    out.push_back(std::move(refreshed));

    std::map<std::string, int> counts = {{"active", 0}, {"inactive", 0}};
    auto active = GaugeFamily(
        "entra_pta_cloud_agent_active",
        "1 if Entra reports the PTA agent active, 0 otherwise (as of the last "
        "successful refresh).");
    auto last_active = GaugeFamily(
        "entra_pta_cloud_agent_last_active_timestamp_seconds",
        "Unix time this exporter last saw Entra report the agent active "
        "(kept across restarts in the state file).");
    for (const Agent& agent : agents_) {
      ++counts[agent.status];
      AddSample(active,
                {{"agent_id", agent.id},
                 {"machine_name", agent.machine_name},
                 {"external_ip", agent.external_ip}},
                agent.status == "active" ? 1 : 0);
      auto it = last_active_.find(agent.id);
      if (it != last_active_.end()) {
        AddSample(
            last_active,
            {{"agent_id", agent.id}, {"machine_name", agent.machine_name}},
            ToUnixSeconds(it->second.when));
      }
    }
    auto totals = GaugeFamily(
        "entra_pta_cloud_agents",
        "Number of PTA agents in the tenant by status (Microsoft recommends "
        "at least 3 active).");
    for (const auto& [status, count] : counts) {
      AddSample(totals, {{"status", status}}, count);
    }
    out.push_back(std::move(totals));
    if (!active.metric.empty()) out.push_back(std::move(active));
    if (!last_active.metric.empty()) out.push_back(std::move(last_active));
  }
  CollectDirectorySignals(out);
  if (attempted_ && !api_up_) return Status::Error(last_error_);
  if (!state_error_.empty()) return Status::Error(state_error_);
  return Status::Ok();
}

}  // namespace entra_pta::cloud

// The part of CloudCollector that reads the sign-in logs and the
// organization and reports them (cloud_collector.h).
#include <string>

#include "collectors/cloud/cloud_collector.h"
#include "exporter/sdk/metric_builder.h"

namespace entra_pta::cloud {
namespace {

double Seconds(UnixMillis when) { return static_cast<double>(when) / 1000.0; }

void AddAvailability(std::vector<prometheus::MetricFamily>& out,
                     const std::string& name, const std::string& help,
                     const std::string& reason) {
  auto family = GaugeFamily(name, help);
  AddSample(family, {{"reason", reason}}, reason == "ok" ? 1 : 0);
  out.push_back(std::move(family));
}

}  // namespace

void CloudCollector::RefreshDirectorySignals() {
  if (settings_.directory_sync && !stopping_) {
    ApplyOrganization(QueryOrganization(session_, settings_.graph.graph_url));
  }
  if (settings_.signin_failures && !stopping_) {
    UnixMillis since = 0;
    {
      std::lock_guard lock(mu_);
      since = SignInQueryStart(ledger_, session_.GraphNow(),
                               settings_.signin_lookback);
    }
    ApplySignIns(
        QuerySignInFailures(session_, settings_.graph.graph_url, since));
  }
}

void CloudCollector::ApplySignIns(const SignInQueryResult& result) {
  std::lock_guard lock(mu_);
  // Failures read before a failed page are counted now; the ids keep the
  // re-read of the same window from counting them again.
  CountNewFailures(ledger_, result.failures, session_.GraphNow());
  if (result.status.ok()) {
    if (result.complete) FinishSignInQuery(ledger_);
    signins_read_once_ = true;
    NoteAvailability("sign-in logs", signin_reason_, "ok", result.status);
  } else {
    NoteAvailability("sign-in logs", signin_reason_,
                     QueryFailureReason(result.failure), result.status);
  }
}

void CloudCollector::ApplyOrganization(const OrganizationResult& result) {
  std::lock_guard lock(mu_);
  if (result.status.ok()) {
    directory_sync_ = result.sync;
    NoteAvailability("organization", organization_reason_, "ok", result.status);
  } else {
    NoteAvailability("organization", organization_reason_,
                     QueryFailureReason(result.failure), result.status);
  }
}

void CloudCollector::NoteAvailability(const char* what, std::string& current,
                                      const std::string& next,
                                      const Status& status) {
  if (current == next) return;
  const bool first = current.empty();
  current = next;
  if (logger_ == nullptr || (first && next == "ok")) return;
  if (next == "ok") {
    logger_->Log(LogLevel::kInfo, "cloud",
                 std::string("Graph ") + what + " readable again");
    return;
  }
  std::string hint;
  if (next == "not_licensed") {
    hint = "the tenant has no Microsoft Entra ID P1/P2 licence";
  } else if (next == "forbidden") {
    hint = std::string("missing permission or consent (") +
           (std::string(what) == "organization"
                ? "Organization.Read.All or Directory.Read.All"
                : "AuditLog.Read.All and Directory.Read.All") +
           (settings_.graph.auth == AuthMode::kDeviceCode
                ? "; after granting it run `entra_pta_exporter graph login` "
                  "again)"
                : " as an application permission)");
  }
  std::vector<LogField> fields = {{"reason", next}, {"err", status.message()}};
  if (!hint.empty()) fields.emplace_back("hint", hint);
  logger_->Log(LogLevel::kWarn, "cloud",
               std::string("Graph ") + what + " unavailable", fields);
}

void CloudCollector::CollectDirectorySignals(
    std::vector<prometheus::MetricFamily>& out) {
  if (settings_.signin_failures && !signin_reason_.empty()) {
    AddAvailability(out, "entra_pta_signin_logs_available",
                    "1 (reason=\"ok\") if the last query of Entra's sign-in "
                    "logs succeeded, else 0 with the reason it failed.",
                    signin_reason_);
  }
  if (settings_.signin_failures && signins_read_once_) {
    auto totals = CounterFamily(
        "entra_pta_signin_failures_total",
        "PTA sign-in failures seen in Entra's sign-in logs, by AADSTS code "
        "(each sign-in counted once; kept across restarts in the state "
        "file).");
    auto last = GaugeFamily(
        "entra_pta_signin_failure_last_timestamp_seconds",
        "Unix time (Graph's createdDateTime) of the newest PTA sign-in "
        "failure seen with the code.");
    for (const PtaErrorCode& entry : PtaErrorCodes()) {
      const std::string code = std::to_string(entry.code);
      auto total = ledger_.totals.find(entry.code);
      AddSample(totals, {{"code", code}, {"reason", entry.reason}},
                total == ledger_.totals.end()
                    ? 0.0
                    : static_cast<double>(total->second));
      auto when = ledger_.last_seen.find(entry.code);
      if (when != ledger_.last_seen.end()) {
        AddSample(last, {{"code", code}}, Seconds(when->second));
      }
    }
    out.push_back(std::move(totals));
    if (!last.metric.empty()) out.push_back(std::move(last));
  }
  if (settings_.directory_sync && !organization_reason_.empty()) {
    AddAvailability(out, "entra_pta_directory_sync_available",
                    "1 (reason=\"ok\") if the last query of the tenant's "
                    "organization object succeeded, else 0 with the reason.",
                    organization_reason_);
  }
  if (settings_.directory_sync && directory_sync_) {
    auto enabled =
        GaugeFamily("entra_pta_directory_sync_enabled",
                    "1 if Entra says the tenant syncs from on-premises AD "
                    "(onPremisesSyncEnabled), else 0.");
    AddSample(enabled, {}, directory_sync_->enabled ? 1 : 0);
    out.push_back(std::move(enabled));
    if (directory_sync_->last_sync) {
      auto family = GaugeFamily(
          "entra_pta_directory_sync_last_timestamp_seconds",
          "Unix time of the last directory sync from on-premises AD "
          "(onPremisesLastSyncDateTime).");
      AddSample(family, {}, Seconds(*directory_sync_->last_sync));
      out.push_back(std::move(family));
    }
    if (directory_sync_->last_password_sync) {
      auto family = GaugeFamily(
          "entra_pta_password_sync_last_timestamp_seconds",
          "Unix time of the last password hash sync from on-premises AD "
          "(onPremisesLastPasswordSyncDateTime).");
      AddSample(family, {}, Seconds(*directory_sync_->last_password_sync));
      out.push_back(std::move(family));
    }
  }
}

}  // namespace entra_pta::cloud

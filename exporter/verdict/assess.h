// Inside the verdict engine: the assessors of each triage step, and the
// helpers they share. Not for the views (they include engine.h).
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <string>
#include <vector>

#include "exporter/verdict/engine.h"
#include "exporter/verdict/metric_view.h"

namespace entra_pta::verdict::internal {

struct Context {
  const MetricView& metrics;
  const Input& input;
  double now = 0;  // input.now in Unix seconds
};

// The agent's service names, as the agent installs them and the alert rules
// name them.
inline constexpr char kAgentService[] = "AzureADConnectAuthenticationAgent";
inline constexpr char kUpdaterService[] = "AzureADConnectAgentUpdater";
// Entra Connect Sync's engine; judged with the directory sync (signins.cc),
// where its absence is no fault.
inline constexpr char kSyncService[] = "ADSync";

// The fixes several findings share; worded like the alerts' "First fix".
inline constexpr char kRestartBoth[] =
    "Restart-Service -Name AzureADConnectAuthenticationAgent, "
    "AzureADConnectAgentUpdater";
inline constexpr char kUpgradeInPlace[] =
    "In-place upgrade: download AADConnectAuthAgentSetup.exe (Entra admin "
    "center > Pass-through authentication > Download) and run it on this "
    "server, one server at a time.";
inline constexpr char kCheckVersion[] =
    "Then check: (Get-Item 'C:\\Program Files\\Microsoft Azure AD Connect "
    "Authentication Agent\\AzureADConnectAuthenticationAgentService.exe')"
    ".VersionInfo.FileVersion";
// For the collectors that read the Windows host (off by default elsewhere).
inline constexpr char kWindowsOnlyHint[] =
    "It reads the Windows host: run diagnose on the agent server, where it "
    "is on by default (collectors.<name>.enabled).";

Finding Make(Pillar pillar, std::string topic, std::string id,
             std::string name);

RunState StateOf(const Context& context, const std::string& collector);
// The collector ran (successfully or not) on an OS it supports.
bool HasData(const Context& context, const std::string& collector);

// The SKIP/WARN finding for a collector that gave no (full) answer; nothing
// for one that worked.
void AddCollectorFinding(const Context& context, Pillar pillar,
                         const std::string& topic, const std::string& collector,
                         const std::string& enable_hint,
                         std::vector<Finding>& out);

std::string FormatCount(double value);

void AssessCloud(const Context& context, std::vector<Finding>& out);
// Sign-in failures, directory sync and the ADSync service (signins.cc).
void AssessSignIns(const Context& context, std::vector<Finding>& out);
void AssessNetwork(const Context& context, std::vector<Finding>& out);
void AssessEvents(const Context& context, std::vector<Finding>& out);
void AssessServices(const Context& context, std::vector<Finding>& out);
void AssessAgent(const Context& context, std::vector<Finding>& out);
void AssessHeartbeat(const Context& context, std::vector<Finding>& out);
void AssessDomainControllers(const Context& context, std::vector<Finding>& out);

}  // namespace entra_pta::verdict::internal

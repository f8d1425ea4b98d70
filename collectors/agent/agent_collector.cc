#include "collectors/agent/agent_collector.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include "collectors/agent/trust_settings.h"
#include "exporter/sdk/metric_builder.h"
#include "exporter/util/env_expansion.h"

namespace entra_pta::agent {
namespace {

// TrustSettings.xml is a few hundred bytes; anything huge is not it.
constexpr std::uintmax_t kMaxTrustSettingsBytes = 1024 * 1024;

Status ReadSmallFile(const std::string& path, std::string& out) {
  std::filesystem::path fs_path(std::u8string(
      reinterpret_cast<const char8_t*>(path.data()), path.size()));
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(fs_path, ec);
  if (ec) return Status::Error("cannot read " + path + ": " + ec.message());
  if (size > kMaxTrustSettingsBytes) {
    return Status::Error(path + " is too large to be TrustSettings.xml");
  }
  std::ifstream in(fs_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Status::Error("cannot read " + path);
  out = text.str();
  return Status::Ok();
}

}  // namespace

AgentSettings ParseAgentSettings(const ConfigSection& section) {
  AgentSettings settings;
  if (auto path = section.String("binary_path")) settings.binary_path = *path;
  if (auto key = section.String("registry_key")) settings.registry_key = *key;
  if (auto path = section.String("trust_settings_path")) {
    settings.trust_settings_path = *path;
  }
  return settings;
}

AgentCollector::AgentCollector(AgentSettings settings,
                               std::unique_ptr<AgentHost> host, bool supported)
    : settings_(std::move(settings)),
      host_(std::move(host)),
      supported_(supported) {}

Status AgentCollector::Collect(const ScrapeContext& /*context*/,
                               std::vector<prometheus::MetricFamily>& out) {
  auto supported = GaugeFamily(
      "entra_pta_agent_os_supported",
      "1 if this OS has the file version, registry and certificate store APIs "
      "the agent collector reads.");
  AddSample(supported, {}, supported_ ? 1 : 0);
  out.push_back(std::move(supported));
  if (!supported_) {
    return Status::Error(
        "the agent collector is unsupported on this OS (it reads Windows file "
        "versions, the registry and the certificate store)");
  }

  std::vector<std::string> errors;
  FileVersion version;
  const std::string binary = ExpandEnvironmentReferences(settings_.binary_path);
  Status version_read = host_->ReadFileVersion(binary, version);
  if (!version_read.ok()) errors.push_back(version_read.message());
  AgentIds ids;
  Status ids_read = host_->ReadRegistryIds(settings_.registry_key, ids);
  if (!ids_read.ok()) errors.push_back(ids_read.message());

  if (version_read.ok()) {
    auto info = GaugeFamily(
        "entra_pta_agent_info",
        "The installed PTA agent: file version of its service executable and "
        "the instance and tenant ids from its registry key (value 1).");
    AddSample(info,
              {{"version", version.version},
               {"instance_id", ids.instance_id},
               {"tenant_id", ids.tenant_id}},
              1);
    auto timestamp = GaugeFamily(
        "entra_pta_agent_binary_timestamp_seconds",
        "Last write time (Unix seconds) of the agent's service executable, "
        "i.e. when it was last installed or updated.");
    AddSample(timestamp, {}, version.last_write_seconds);
    out.push_back(std::move(info));
    out.push_back(std::move(timestamp));
  }

  const std::string trust_path =
      ExpandEnvironmentReferences(settings_.trust_settings_path);
  std::string trust_text;
  if (Status read = ReadSmallFile(trust_path, trust_text); !read.ok()) {
    errors.push_back(read.message());
  } else {
    auto parsed = ParseTrustSettings(trust_text);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      errors.push_back(trust_path + ": " + *error);
    } else {
      const TrustSettings& trust = std::get<TrustSettings>(parsed);
      double not_after = 0;
      Status found = host_->FindCertificateNotAfter(
          trust.thumbprint, trust.in_user_store, not_after);
      if (!found.ok()) {
        errors.push_back(found.message());
      } else {
        auto expiry = GaugeFamily(
            "entra_pta_agent_certificate_not_after_timestamp_seconds",
            "Expiry (NotAfter, Unix seconds) of the agent's client "
            "certificate named in TrustSettings.xml. The agent renews it 30 "
            "days before; if it expires the agent is removed from the "
            "tenant.");
        AddSample(expiry, {}, not_after);
        out.push_back(std::move(expiry));
      }
    }
  }
  if (errors.empty()) return Status::Ok();
  std::string message;
  for (const auto& e : errors) message += (message.empty() ? "" : "; ") + e;
  return Status::Error(message);
}

}  // namespace entra_pta::agent

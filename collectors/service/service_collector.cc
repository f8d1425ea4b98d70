#include "collectors/service/service_collector.h"

#include "exporter/sdk/metric_builder.h"

namespace entra_pta::service {

ServiceSettings ParseServiceSettings(const ConfigSection& section) {
  ServiceSettings settings;
  if (auto services = section.StringList("services")) {
    settings.services = *services;
  }
  return settings;
}

ServiceCollector::ServiceCollector(ServiceSettings settings,
                                   std::unique_ptr<ServiceControl> control,
                                   bool supported)
    : settings_(std::move(settings)),
      control_(std::move(control)),
      supported_(supported) {}

Status ServiceCollector::Collect(const ScrapeContext& /*context*/,
                                 std::vector<prometheus::MetricFamily>& out) {
  auto supported = GaugeFamily(
      "entra_pta_service_os_supported",
      "1 if this OS has the Windows Service Control Manager the service "
      "collector queries.");
  AddSample(supported, {}, supported_ ? 1 : 0);
  out.push_back(std::move(supported));
  if (!supported_) {
    return Status::Error(
        "the service collector is unsupported on this OS (it queries the "
        "Windows Service Control Manager)");
  }

  std::vector<ServiceStatus> statuses;
  Status queried = control_->Query(settings_.services, statuses);

  auto installed = GaugeFamily(
      "entra_pta_service_installed",
      "1 if the service exists, 0 if the Service Control Manager does not "
      "know it.");
  auto state = GaugeFamily(
      "entra_pta_service_state",
      "The service's current state: 1 for the current state, 0 for the "
      "others.");
  auto start_mode = GaugeFamily(
      "entra_pta_service_start_mode",
      "The service's start mode: 1 for the configured mode, 0 for the others.");
  auto info = GaugeFamily("entra_pta_service_info",
                          "Display name and account of the service (value 1).");
  auto start_time = GaugeFamily(
      "entra_pta_service_process_start_time_seconds",
      "Start time (Unix seconds) of the service's process; changes on every "
      "restart.");
  auto memory = GaugeFamily("entra_pta_service_process_memory_bytes",
                            "Working set of the service's process in bytes.");
  for (const ServiceStatus& status : statuses) {
    AddSample(installed, {{"service", status.name}}, status.installed ? 1 : 0);
    if (!status.installed) continue;
    for (ServiceState s : AllServiceStates()) {
      AddSample(state,
                {{"service", status.name},
                 {"state", std::string(ServiceStateName(s))}},
                s == status.state ? 1 : 0);
    }
    for (StartMode m : AllStartModes()) {
      AddSample(start_mode,
                {{"service", status.name},
                 {"start_mode", std::string(StartModeName(m))}},
                m == status.start_mode ? 1 : 0);
    }
    AddSample(info,
              {{"service", status.name},
               {"display_name", status.display_name},
               {"run_as", status.run_as}},
              1);
    if (status.process_start_time_seconds) {
      AddSample(start_time, {{"service", status.name}},
                *status.process_start_time_seconds);
    }
    if (status.process_memory_bytes) {
      AddSample(memory, {{"service", status.name}},
                *status.process_memory_bytes);
    }
  }
  out.push_back(std::move(installed));
  out.push_back(std::move(state));
  out.push_back(std::move(start_mode));
  out.push_back(std::move(info));
  out.push_back(std::move(start_time));
  out.push_back(std::move(memory));
  return queried;
}

}  // namespace entra_pta::service

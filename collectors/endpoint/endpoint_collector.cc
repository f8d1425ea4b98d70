#include "collectors/endpoint/endpoint_collector.h"

#include "exporter/sdk/metric_builder.h"

namespace entra_pta::endpoint {

EndpointCollector::EndpointCollector(std::shared_ptr<probe::ProbeHub> hub)
    : hub_(std::move(hub)) {}

void AppendEndpointFamilies(const probe::ProbeRound& round,
                            std::vector<prometheus::MetricFamily>& out) {
  auto up = GaugeFamily(
      "entra_pta_endpoint_up",
      "1 if the endpoint answered over HTTP (any status) and, for https, "
      "with a certificate chain that verifies; else 0.");
  auto duration = GaugeFamily(
      "entra_pta_endpoint_duration_seconds",
      "Seconds spent in each phase of the last probe (dns, connect, tls, "
      "first_byte) and in total; 0 for a phase not reached.");
  auto status = GaugeFamily(
      "entra_pta_endpoint_http_status_code",
      "HTTP status code of the last probe's answer; 0 when none arrived.");
  auto info = GaugeFamily(
      "entra_pta_endpoint_info",
      "Always 1: the URL probed and the proxy used (empty when direct).");
  auto failure = GaugeFamily(
      "entra_pta_endpoint_failure_info",
      "1 for a failed probe, with its reason (dns, connect_refused, "
      "timeout, tls, proxy, http); absent when the probe succeeded.");
  for (std::size_t i = 0; i < round.requests.size() && i < round.results.size();
       ++i) {
    const probe::ProbeRequest& request = round.requests[i];
    const probe::ProbeResult& result = round.results[i];
    const std::string& name = request.target.name;
    AddSample(up, {{"endpoint", name}}, result.reachable() ? 1 : 0);
    const std::pair<const char*, double> phases[] = {
        {"dns", result.phases.dns},
        {"connect", result.phases.connect},
        {"tls", result.phases.tls},
        {"first_byte", result.phases.first_byte},
        {"total", result.phases.total}};
    for (const auto& [phase, seconds] : phases) {
      AddSample(duration, {{"endpoint", name}, {"phase", phase}}, seconds);
    }
    AddSample(status, {{"endpoint", name}},
              static_cast<double>(result.http_status));
    AddSample(info,
              {{"endpoint", name},
               {"url", request.target.url},
               {"proxy", probe::RedactProxyUrl(request.proxy_url)}},
              1);
    if (!result.reachable()) {
      AddSample(failure,
                {{"endpoint", name},
                 {"reason", probe::FailureReasonName(result.failure)}},
                1);
    }
  }
  for (auto* family : {&up, &duration, &status, &info, &failure}) {
    if (!family->metric.empty()) out.push_back(std::move(*family));
  }
}

Status EndpointCollector::Collect(const ScrapeContext& context,
                                  std::vector<prometheus::MetricFamily>& out) {
  std::shared_ptr<const probe::ProbeRound> round =
      hub_->Round(context.deadline);
  if (round == nullptr) {
    return Status::Error(
        "the endpoint probes did not finish before the "
        "scrape deadline");
  }
  if (round->requests.empty() && !round->status.ok()) return round->status;
  AppendEndpointFamilies(*round, out);
  return round->status;
}

}  // namespace entra_pta::endpoint

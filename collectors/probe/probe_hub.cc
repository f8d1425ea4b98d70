#include "collectors/probe/probe_hub.h"

#include <exception>
#include <string>

#include "collectors/probe/agent_proxy_config.h"

namespace entra_pta::probe {
namespace {

// Removes the proxy's user information from `text`, should a library
// message ever quote it.
std::string ScrubSecret(std::string text, const std::string& proxy_url) {
  const std::string redacted = RedactProxyUrl(proxy_url);
  if (redacted == proxy_url) return text;
  const std::size_t start = proxy_url.find("://");
  const std::size_t from = start == std::string::npos ? 0 : start + 3;
  const std::string user_info =
      proxy_url.substr(from, proxy_url.rfind('@') - from);
  for (std::size_t at = text.find(user_info); at != std::string::npos;
       at = text.find(user_info)) {
    text.replace(at, user_info.size(), "***");
  }
  return text;
}

}  // namespace

std::chrono::steady_clock::time_point ProbeDeadline(
    std::chrono::steady_clock::time_point deadline,
    std::chrono::steady_clock::time_point now) {
  if (deadline <= now) return deadline;
  const auto left = deadline - now;
  if (left > 2 * kProbeReserve) return deadline - kProbeReserve;
  return now + left / 2;
}

ProbeHub::ProbeHub(EndpointSettings settings, std::unique_ptr<Prober> prober,
                   const Clock& clock, SignOfLifeTimes* signals, Logger* logger,
                   EnvironmentLookup environment,
                   std::chrono::milliseconds join_window)
    : settings_(std::move(settings)),
      prober_(std::move(prober)),
      clock_(clock),
      signals_(signals),
      logger_(logger),
      environment_(std::move(environment)),
      join_window_(join_window) {}

std::shared_ptr<const ProbeRound> ProbeHub::Round(
    std::chrono::steady_clock::time_point deadline) {
  std::shared_future<std::shared_ptr<const ProbeRound>> joined;
  std::promise<std::shared_ptr<const ProbeRound>> promise;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (current_.valid() && (running_ || now - current_start_ < join_window_)) {
      joined = current_;
    } else {
      current_ = promise.get_future().share();
      current_start_ = now;
      running_ = true;
    }
  }
  if (joined.valid()) {
    const auto now = std::chrono::steady_clock::now();
    const auto wait_until = deadline - now > 2 * kJoinReserve
                                ? deadline - kJoinReserve
                                : now + (deadline - now) / 2;
    if (joined.wait_until(wait_until) != std::future_status::ready) {
      return TimedOutRound();
    }
    return joined.get();
  }
  std::shared_ptr<const ProbeRound> round;
  try {
    round = Run(ProbeDeadline(deadline, std::chrono::steady_clock::now()));
  } catch (const std::exception& e) {
    // Never leave joiners waiting on a promise nobody will keep, and never
    // leave the hub marked as running: report the round as failed.
    auto failed = std::make_shared<ProbeRound>();
    failed->status =
        Status::Error(std::string("the endpoint probes failed: ") + e.what());
    round = failed;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    current_requests_.reset();
  }
  promise.set_value(round);
  // Even when late the round is returned: the scrape runner decides whether
  // the collector made the deadline, and the next scrape may join it.
  return round;
}

std::shared_ptr<const ProbeRound> ProbeHub::TimedOutRound() const {
  std::shared_ptr<const std::vector<ProbeRequest>> requests;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests = current_requests_;
  }
  auto round = std::make_shared<ProbeRound>();
  if (requests) {
    round->requests = *requests;
  } else {
    // The round is still deciding its proxies: the targets as configured.
    for (const Target& target : settings_.targets) {
      round->requests.push_back({target, ""});
    }
  }
  ProbeResult timed_out;
  timed_out.failure = FailureReason::kTimeout;
  timed_out.detail =
      "still running at the scrape deadline (round started by an earlier "
      "scrape)";
  round->results.assign(round->requests.size(), timed_out);
  return round;
}

std::shared_ptr<const ProbeRound> ProbeHub::Run(
    std::chrono::steady_clock::time_point deadline) {
  auto round = std::make_shared<ProbeRound>();
  std::optional<AgentProxy> agent;
  if (settings_.proxy.from_agent_config) {
    auto read = ReadAgentProxyConfig(settings_.proxy.agent_config_file);
    if (!read.ok()) {
      round->status = read.status();
      LogChanges(*round);
      return round;
    }
    agent = *std::move(read);
  }
  for (const Target& target : settings_.targets) {
    ProxyDecision decision =
        ChooseProxy(target, settings_.proxy, agent, environment_);
    round->requests.push_back({target, decision.proxy_url});
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_requests_ =
        std::make_shared<const std::vector<ProbeRequest>>(round->requests);
  }
  ProbeBatch batch =
      prober_->ProbeAll(round->requests, settings_.timeout, deadline);
  round->status = batch.status;
  round->results = std::move(batch.results);
  round->results.resize(round->requests.size());
  if (signals_ != nullptr) {
    const auto now = clock_.Now();
    for (std::size_t i = 0; i < round->requests.size(); ++i) {
      if (round->requests[i].target.is_bootstrap &&
          round->results[i].reachable()) {
        signals_->Record(kBootstrapSignal, now);
      }
    }
  }
  LogChanges(*round);
  return round;
}

void ProbeHub::LogChanges(const ProbeRound& round) {
  if (logger_ == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  const std::string round_error =
      round.status.ok() ? "" : round.status.message();
  if (round_error != last_round_error_ && !round.requests.empty() &&
      !round_error.empty()) {
    logger_->Log(LogLevel::kWarn, "endpoint", round_error);
  }
  last_round_error_ = round_error;
  for (std::size_t i = 0; i < round.requests.size(); ++i) {
    const Target& target = round.requests[i].target;
    const ProbeResult& result = round.results[i];
    const std::string reason = FailureReasonName(result.failure);
    std::string& last = last_failure_[target.name];
    if (reason == last) continue;
    std::vector<LogField> fields = {{"endpoint", target.name},
                                    {"url", target.url}};
    if (!round.requests[i].proxy_url.empty()) {
      fields.push_back({"proxy", RedactProxyUrl(round.requests[i].proxy_url)});
    }
    if (reason.empty()) {
      logger_->Log(LogLevel::kInfo, "endpoint", "endpoint reachable again",
                   fields);
    } else {
      fields.push_back({"reason", reason});
      fields.push_back(
          {"detail", ScrubSecret(result.detail, round.requests[i].proxy_url)});
      logger_->Log(LogLevel::kWarn, "endpoint", "endpoint unreachable", fields);
    }
    last = reason;
  }
}

}  // namespace entra_pta::probe

#include "exporter/daemon/scrape_runner.h"

#include <cmath>
#include <exception>
#include <system_error>
#include <thread>

#include "exporter/sdk/metric_builder.h"
#include "exporter/util/deadline.h"

namespace entra_pta {

using SteadyTime = std::chrono::steady_clock::time_point;

// One execution of one collector. Shared by its worker thread and by every
// scrape waiting on it, so it outlives whichever finishes first.
struct ScrapeRunner::Run {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  Status status = Status::Ok();
  std::vector<prometheus::MetricFamily> families;
  SteadyTime started;
  SteadyTime finished;
};

// Count of worker threads still running, shared with them so that a worker
// outliving the runner touches only memory it co-owns.
struct ScrapeRunner::InFlight {
  std::mutex mu;
  std::condition_variable idle_cv;
  int count = 0;
};

std::chrono::milliseconds ScrapeBudget(std::optional<double> header_seconds,
                                       const ScrapeSettings& settings) {
  using std::chrono::milliseconds;
  if (!header_seconds || !std::isfinite(*header_seconds) ||
      *header_seconds <= 0) {
    return settings.max_timeout;
  }
  double header_ms = *header_seconds * 1000.0;
  double margin_ms = static_cast<double>(settings.timeout_margin.count());
  double budget_ms =
      header_ms > margin_ms ? header_ms - margin_ms : header_ms / 2;
  double max_ms = static_cast<double>(settings.max_timeout.count());
  if (budget_ms > max_ms) budget_ms = max_ms;
  return milliseconds(static_cast<long long>(budget_ms));
}

ScrapeRunner::ScrapeRunner(std::vector<NamedCollector> collectors,
                           Logger& logger, const Clock& clock)
    : logger_(logger), clock_(clock), in_flight_(std::make_shared<InFlight>()) {
  for (auto& named : collectors) {
    Slot slot;
    slot.name = named.name;
    slot.collector = std::move(named.collector);
    slot.summary.name = named.name;
    slots_.push_back(std::move(slot));
  }
}

ScrapeRunner::~ScrapeRunner() = default;

std::shared_ptr<ScrapeRunner::Run> ScrapeRunner::StartRun(Slot& slot,
                                                          SteadyTime deadline) {
  auto run = std::make_shared<Run>();
  run->started = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(in_flight_->mu);
    ++in_flight_->count;
  }
  auto work = [collector = slot.collector, run, in_flight = in_flight_,
               deadline] {
    std::vector<prometheus::MetricFamily> families;
    Status status = Status::Ok();
    try {
      status = collector->Collect(ScrapeContext{deadline}, families);
    } catch (const std::exception& e) {
      status = Status::Error(std::string("collector raised an exception: ") +
                             e.what());
    } catch (...) {
      status = Status::Error("collector raised an unknown exception");
    }
    {
      std::lock_guard lock(run->mu);
      run->status = std::move(status);
      run->families = std::move(families);
      run->finished = std::chrono::steady_clock::now();
      run->done = true;
    }
    run->done_cv.notify_all();
    {
      std::lock_guard lock(in_flight->mu);
      --in_flight->count;
    }
    in_flight->idle_cv.notify_all();
  };
  try {
    std::thread(std::move(work)).detach();
  } catch (const std::system_error& e) {
    {
      std::lock_guard lock(in_flight_->mu);
      --in_flight_->count;
    }
    std::lock_guard lock(run->mu);
    run->status =
        Status::Error(std::string("cannot start a thread: ") + e.what());
    run->finished = run->started;
    run->done = true;
  }
  return run;
}

void ScrapeRunner::Record(Slot& slot, const CollectorSummary& outcome) {
  slot.summary = outcome;
  if (outcome.success) {
    if (!slot.logged_error.empty()) {
      logger_.Log(LogLevel::kInfo, slot.name, "collector recovered");
      slot.logged_error.clear();
    }
    return;
  }
  // A failure is logged at error level when it starts or changes; repeats of
  // the same failure go to debug so a down agent does not flood the log.
  LogLevel level =
      outcome.error == slot.logged_error ? LogLevel::kDebug : LogLevel::kError;
  logger_.Log(level, slot.name,
              outcome.timed_out ? "collector timed out" : "collector failed",
              {{"err", outcome.error},
               {"duration_seconds", std::to_string(outcome.duration_seconds)}});
  slot.logged_error = outcome.error;
}

std::vector<prometheus::MetricFamily> ScrapeRunner::Scrape(
    std::chrono::milliseconds budget) {
  const SteadyTime scrape_start = std::chrono::steady_clock::now();
  const SteadyTime deadline = DeadlineAfter(scrape_start, budget);

  std::vector<std::shared_ptr<Run>> runs;
  {
    std::lock_guard lock(mu_);
    for (Slot& slot : slots_) {
      bool joinable = false;
      if (slot.current) {
        std::lock_guard run_lock(slot.current->mu);
        joinable = !slot.current->done;
      }
      if (!joinable) slot.current = StartRun(slot, deadline);
      runs.push_back(slot.current);
    }
  }

  std::vector<CollectorSummary> outcomes(runs.size());
  std::vector<prometheus::MetricFamily> families;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    Run& run = *runs[i];
    CollectorSummary& outcome = outcomes[i];
    std::unique_lock lock(run.mu);
    run.done_cv.wait_until(lock, deadline, [&run] { return run.done; });
    outcome.has_run = true;
    outcome.finished_at = clock_.Now();
    if (run.done) {
      outcome.success = run.status.ok();
      outcome.error = run.status.message();
      outcome.duration_seconds =
          std::chrono::duration<double>(run.finished - run.started).count();
      families.insert(families.end(), run.families.begin(), run.families.end());
      // A finished run's families are never written again: share them.
      outcome.families =
          std::shared_ptr<const std::vector<prometheus::MetricFamily>>(
              runs[i], &run.families);
    } else {
      outcome.timed_out = true;
      outcome.duration_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        scrape_start)
              .count();
      outcome.error = "did not finish within the scrape deadline of " +
                      std::to_string(budget.count()) +
                      "ms; its results are left out of this scrape";
    }
  }

  auto success =
      GaugeFamily("entra_pta_scrape_collector_success",
                  "1 if the collector finished without error in this "
                  "scrape, 0 if it failed or timed out.");
  auto timeout =
      GaugeFamily("entra_pta_scrape_collector_timeout",
                  "1 if the collector missed this scrape's deadline.");
  auto duration = GaugeFamily("entra_pta_scrape_collector_duration_seconds",
                              "Time the collector took, or was waited for when "
                              "it timed out.");
  {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      const CollectorSummary& outcome = outcomes[i];
      outcomes[i].name = slots_[i].name;
      Record(slots_[i], outcomes[i]);
      AddSample(success, {{"collector", slots_[i].name}},
                outcome.success ? 1 : 0);
      AddSample(timeout, {{"collector", slots_[i].name}},
                outcome.timed_out ? 1 : 0);
      AddSample(duration, {{"collector", slots_[i].name}},
                outcome.duration_seconds);
    }
  }
  families.push_back(std::move(success));
  families.push_back(std::move(timeout));
  families.push_back(std::move(duration));
  return families;
}

std::vector<CollectorSummary> ScrapeRunner::Summaries() const {
  std::lock_guard lock(mu_);
  std::vector<CollectorSummary> out;
  for (const Slot& slot : slots_) out.push_back(slot.summary);
  return out;
}

bool ScrapeRunner::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(in_flight_->mu);
  return in_flight_->idle_cv.wait_for(
      lock, timeout, [this] { return in_flight_->count == 0; });
}

}  // namespace entra_pta

#include "exporter/daemon/reloader.h"

#include <atomic>
#include <exception>
#include <new>

#include "exporter/sdk/metric_builder.h"
#include "exporter/util/deadline.h"

namespace entra_pta {

// Where a replaced set goes when its last holder lets go of it, whichever
// thread that is; ReleaseIdle destroys it on the serve loop's thread once
// its collector runs have finished. Co-owned by every set's deleter, so a
// scrape that ends after the reloader is gone still has somewhere to put it.
struct Reloader::Graveyard {
  std::mutex mu;
  std::vector<std::unique_ptr<const ServingSet>> sets;
  std::atomic<std::size_t> retired{0};

  void Bury(const ServingSet* set) noexcept {
    std::unique_ptr<const ServingSet> owned(set);
    try {
      std::lock_guard lock(mu);
      sets.push_back(std::move(owned));
    } catch (const std::exception&) {
      // Out of memory: destroying it here is still safe, as its collectors
      // are co-owned by any run still in flight.
    }
  }
};

Reloader::Reloader(LoadedConfig initial, Load load, Logger& logger,
                   const Clock& clock)
    : load_(std::move(load)),
      logger_(logger),
      clock_(clock),
      graveyard_(std::make_shared<Graveyard>()),
      config_(initial.config),
      last_success_(clock.Now()) {
  current_ = MakeServing(initial);
}

Reloader::~Reloader() {
  {
    std::lock_guard lock(mu_);
    current_.reset();
  }
  ReleaseIdle();
}

std::shared_ptr<const ServingSet> Reloader::MakeServing(LoadedConfig& loaded) {
  auto set = std::make_unique<ServingSet>();
  set->runner = std::make_unique<ScrapeRunner>(std::move(loaded.collectors),
                                               logger_, clock_);
  set->scrape = loaded.config.scrape;
  return std::shared_ptr<const ServingSet>(
      set.release(),
      [graveyard = graveyard_](const ServingSet* s) { graveyard->Bury(s); });
}

std::shared_ptr<const ServingSet> Reloader::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

bool Reloader::Reload() {
  const std::string file = config_.file.empty() ? "(defaults)" : config_.file;
  LoadedConfig loaded;
  try {
    loaded = load_();
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mu_);
      last_reload_successful_ = false;
    }
    logger_.Error("config reload failed; still serving the previous config",
                  {{"config", file}, {"err", e.what()}});
    return false;
  }
  Config& fresh = loaded.config;
  if (fresh.web.listen_address != config_.web.listen_address) {
    logger_.Warn(
        "web.listen_address changes only on restart; keeping the running "
        "value",
        {{"running", config_.web.listen_address},
         {"configured", fresh.web.listen_address}});
  }
  if (fresh.web.config_file != config_.web.config_file) {
    logger_.Warn(
        "the web config file path changes only on restart; keeping the "
        "running value",
        {{"running", config_.web.config_file},
         {"configured", fresh.web.config_file}});
  }
  fresh.web = config_.web;

  std::string names;
  for (const auto& c : loaded.collectors) {
    names += (names.empty() ? "" : ",") + c.name;
  }
  std::shared_ptr<const ServingSet> replaced;
  std::shared_ptr<const ServingSet> serving = MakeServing(loaded);
  graveyard_->retired.fetch_add(1);
  {
    std::lock_guard lock(mu_);
    replaced = std::move(current_);
    current_ = std::move(serving);
    last_reload_successful_ = true;
    last_success_ = clock_.Now();
  }
  // Goes to the graveyard now, or when the last scrape using it ends.
  replaced.reset();
  config_ = std::move(fresh);
  logger_.SetLevel(config_.log.level);
  logger_.SetFormat(config_.log.format);
  logger_.Info("config reloaded", {{"config", file}, {"collectors", names}});
  ReleaseIdle();
  return true;
}

void Reloader::ReleaseIdle() {
  std::vector<std::unique_ptr<const ServingSet>> idle;
  {
    std::lock_guard lock(graveyard_->mu);
    auto& sets = graveyard_->sets;
    for (auto it = sets.begin(); it != sets.end();) {
      if ((*it)->runner->WaitIdle(std::chrono::milliseconds(0))) {
        idle.push_back(std::move(*it));
        it = sets.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::size_t released = idle.size();
  // The initial set, buried by the destructor, was never counted as retired.
  std::size_t retired = graveyard_->retired.load();
  graveyard_->retired.store(retired > released ? retired - released : 0);
  idle.clear();  // destroys the collectors here, outside the lock
}

std::size_t Reloader::RetiredCount() const { return graveyard_->retired; }

bool Reloader::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyDeadlineAfter(timeout);
  auto remaining = [&deadline] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
  };
  std::shared_ptr<const ServingSet> current = Current();
  if (current && !current->runner->WaitIdle(remaining())) return false;
  current.reset();
  std::lock_guard lock(graveyard_->mu);
  for (const auto& set : graveyard_->sets) {
    if (!set->runner->WaitIdle(remaining())) return false;
  }
  return true;
}

std::vector<prometheus::MetricFamily> Reloader::Families() const {
  bool successful;
  std::chrono::system_clock::time_point last_success;
  {
    std::lock_guard lock(mu_);
    successful = last_reload_successful_;
    last_success = last_success_;
  }
  auto ok = GaugeFamily(
      "entra_pta_config_last_reload_successful",
      "1 if the last configuration load (start or SIGHUP reload) succeeded, "
      "0 if the file was invalid and the previous configuration still "
      "serves.");
  AddSample(ok, {}, successful ? 1 : 0);
  auto at = GaugeFamily(
      "entra_pta_config_last_reload_success_timestamp_seconds",
      "Time of the last successful configuration load (start or SIGHUP "
      "reload), seconds since the Unix epoch.");
  AddSample(at, {}, ToUnixSeconds(last_success));
  return {std::move(ok), std::move(at)};
}

}  // namespace entra_pta

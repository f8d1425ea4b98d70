// FakeProber: a scripted Prober for tests. Each ProbeAll() returns the
// results set for each target name (a failed kTimeout result for names not
// set), counts its calls and can block until released, so tests can check
// that concurrent collectors share one round.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "collectors/probe/prober.h"

namespace entra_pta::probe::testing {

class FakeProber final : public Prober {
 public:
  void Set(const std::string& endpoint, ProbeResult result) {
    std::lock_guard<std::mutex> lock(mu_);
    results_[endpoint] = std::move(result);
  }
  void SetStatus(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(status);
  }
  // While held, ProbeAll() waits (until Release() or its deadline).
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
    }
    released_.notify_all();
  }
  // The next ProbeAll() throws (a failure the hub must survive).
  void ThrowOnNextCall() {
    std::lock_guard<std::mutex> lock(mu_);
    throw_next_ = true;
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::vector<ProbeRequest> last_requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_requests_;
  }

  ProbeBatch ProbeAll(const std::vector<ProbeRequest>& requests,
                      std::chrono::milliseconds /*per_probe_timeout*/,
                      std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    if (throw_next_) {
      throw_next_ = false;
      throw std::runtime_error("scripted failure");
    }
    last_requests_ = requests;
    released_.wait_until(lock, deadline, [this] { return !held_; });
    ProbeBatch batch;
    batch.status = status_;
    for (const ProbeRequest& request : requests) {
      auto it = results_.find(request.target.name);
      if (it != results_.end()) {
        batch.results.push_back(it->second);
      } else {
        ProbeResult timeout;
        timeout.failure = FailureReason::kTimeout;
        timeout.detail = "no scripted result";
        batch.results.push_back(timeout);
      }
    }
    return batch;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::map<std::string, ProbeResult> results_;
  Status status_ = Status::Ok();
  bool held_ = false;
  bool throw_next_ = false;
  int calls_ = 0;
  std::vector<ProbeRequest> last_requests_;
};

}  // namespace entra_pta::probe::testing

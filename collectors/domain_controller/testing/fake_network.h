// FakeNetwork: a scripted Network for collector tests: connect outcomes
// come from a map keyed by "ip:port" and the host's domain is a plain
// field. (DNS is not part of Network: tests use a LoopbackDnsServer.)
// Thread-safety: guarded by a mutex; configure before use.
#pragma once

#include <map>
#include <mutex>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller::testing {

class FakeNetwork final : public Network {
 public:
  std::vector<ConnectOutcome> ConnectAll(
      const std::vector<Endpoint>& endpoints,
      std::chrono::steady_clock::time_point deadline) override {
    std::lock_guard lock(mu_);
    last_connect_deadline = deadline;
    std::vector<ConnectOutcome> outcomes;
    for (const Endpoint& endpoint : endpoints) {
      connected_to.push_back(endpoint.ToString());
      auto it = connect.find(endpoint.ToString());
      outcomes.push_back(it != connect.end()
                             ? it->second
                             : ConnectOutcome{false, {}, "timed out"});
    }
    return outcomes;
  }

  std::optional<std::string> MachineDomain() override { return machine_domain; }

  std::map<std::string, ConnectOutcome> connect;
  std::optional<std::string> machine_domain;

  // What the collector did.
  std::vector<std::string> connected_to;
  std::chrono::steady_clock::time_point last_connect_deadline;

 private:
  std::mutex mu_;
};

}  // namespace entra_pta::domain_controller::testing

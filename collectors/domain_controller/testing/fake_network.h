// FakeNetwork: a scripted Network for collector tests. DNS answers are
// produced by a callback from each query's bytes (so tests build answers
// with the real wire format), connect outcomes come from a map keyed by
// "ip:port", and the host facts are plain fields.
// Thread-safety: guarded by a mutex; configure before use.
#pragma once

#include <functional>
#include <map>
#include <mutex>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller::testing {

class FakeNetwork final : public Network {
 public:
  // Returns the reply to one query, or nullopt for "no answer".
  using DnsServer = std::function<std::optional<std::vector<std::uint8_t>>(
      const std::vector<std::uint8_t>& query)>;

  Status ExchangeUdp(
      const Endpoint& server,
      const std::vector<std::vector<std::uint8_t>>& queries,
      std::chrono::steady_clock::time_point deadline,
      std::vector<std::optional<std::vector<std::uint8_t>>>& replies) override {
    std::lock_guard lock(mu_);
    servers_asked.push_back(server.ToString());
    last_dns_deadline = deadline;
    if (!exchange_error.ok()) return exchange_error;
    replies.clear();
    for (const auto& query : queries) replies.push_back(dns(query));
    return Status::Ok();
  }

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
  std::optional<Endpoint> SystemDnsServer() override { return system_dns; }

  DnsServer dns = [](const std::vector<std::uint8_t>&) {
    return std::optional<std::vector<std::uint8_t>>();
  };
  Status exchange_error = Status::Ok();
  std::map<std::string, ConnectOutcome> connect;
  std::optional<std::string> machine_domain;
  std::optional<Endpoint> system_dns;

  // What the collector did.
  std::vector<std::string> servers_asked;
  std::vector<std::string> connected_to;
  std::chrono::steady_clock::time_point last_dns_deadline;
  std::chrono::steady_clock::time_point last_connect_deadline;

 private:
  std::mutex mu_;
};

}  // namespace entra_pta::domain_controller::testing

// FakeServiceControl: a ServiceControl answering from a map the test fills.
// Test-only. Thread-safety: none; one test thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "collectors/service/service_control.h"

namespace entra_pta::service::testing {

class FakeServiceControl final : public ServiceControl {
 public:
  // Services not in the map are reported as not installed.
  std::map<std::string, ServiceStatus> services;
  // When not ok, Query fails with it after reporting what it has.
  Status failure = Status::Ok();
  int queries = 0;

  Status Query(const std::vector<std::string>& names,
               std::vector<ServiceStatus>& out) override {
    ++queries;
    for (const std::string& name : names) {
      auto it = services.find(name);
      if (it == services.end()) {
        ServiceStatus missing;
        missing.name = name;
        out.push_back(missing);
      } else {
        out.push_back(it->second);
        out.back().name = name;
        out.back().installed = true;
      }
    }
    return failure;
  }
};

}  // namespace entra_pta::service::testing

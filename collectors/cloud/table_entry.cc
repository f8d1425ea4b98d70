#include "collectors/cloud/table_entry.h"

#include <atomic>
#include <memory>
#include <string>

#include "collectors/cloud/cloud_collector.h"

namespace entra_pta::cloud {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "cloud",
      "What Entra (Microsoft Graph) says about every PTA agent of the "
      "tenant (active or inactive, how many are active), PTA sign-in "
      "failures from the sign-in logs and directory sync times.",
      false, [](const ConfigSection& section, const CollectorDeps& deps) {
        static const TenantSettings kNoTenant;
        cloud::CloudSettings settings = cloud::ParseCloudSettings(
            section, deps.tenant != nullptr ? *deps.tenant : kNoTenant);
        return std::make_unique<cloud::CloudCollector>(
            settings,
            [settings](const std::atomic<bool>* cancel) {
              return cloud::MakeCloudHttpClient(settings, cancel);
            },
            deps.clock, deps.sign_of_life, /*background=*/true, deps.logger);
      }};
}

}  // namespace entra_pta::cloud

#include "collectors/domain_controller/table_entry.h"

#include <memory>
#include <string>

#include "collectors/domain_controller/domain_controller_collector.h"
#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "domain_controller",
      "Whether this host finds its domain controllers in DNS (SRV "
      "_ldap._tcp.dc._msdcs.<domain>) and reaches each on the LDAP and "
      "Kerberos ports.",
      false, [](const ConfigSection& section, const CollectorDeps&) {
        auto network = domain_controller::SystemNetwork();
        return std::make_unique<domain_controller::DomainControllerCollector>(
            domain_controller::ParseDomainControllerSettings(section, *network),
            network);
      }};
}

}  // namespace entra_pta::domain_controller

#include "collectors/tls/table_entry.h"

#include <memory>
#include <stdexcept>
#include <string>

#include "collectors/probe/probe_hub.h"
#include "collectors/tls/tls_collector.h"

namespace entra_pta::tls {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "tls",
      "Is the certificate chain each https endpoint presents Microsoft's, "
      "or re-signed by an SSL-inspection device?",
      true, [](const ConfigSection& section, const CollectorDeps& deps) {
        tls::AllowList allow = tls::ParseAllowList(section);
        std::shared_ptr<probe::ProbeHub> hub =
            deps.shared != nullptr
                ? deps.shared->Find<probe::ProbeHub>(probe::kProbeHubSharedKey)
                : nullptr;
        if (hub == nullptr) {
          throw std::logic_error(
              "the tls collector must follow the endpoint collector in the "
              "collector table");
        }
        return std::make_unique<tls::TlsCollector>(std::move(allow), hub);
      }};
}

}  // namespace entra_pta::tls

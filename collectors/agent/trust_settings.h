// Pure parsing of the PTA agent's TrustSettings.xml, which names the
// agent's client certificate by SHA-1 thumbprint, e.g.
//   <ConnectorTrustSettingsFile><CloudProxyTrust>
//     <Thumbprint>0123...CDEF</Thumbprint><IsInUserStore>false</IsInUserStore>
//   </CloudProxyTrust></ConnectorTrustSettingsFile>
// (the layout shared with the Application Proxy connector). Only the first
// Thumbprint element and IsInUserStore are read, wherever they are nested.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "exporter/util/status.h"

namespace entra_pta::agent {

struct TrustSettings {
  std::string thumbprint;  // 40 upper-case hex digits
  bool in_user_store = false;
};

// The settings, or a one-line error for malformed or hostile input.
StatusOr<TrustSettings> ParseTrustSettings(std::string_view xml);

}  // namespace entra_pta::agent

// The system trust store on Linux and other Unix systems: OpenSSL's default
// certificate file and directory (Debian: /etc/ssl/certs).
#include <openssl/err.h>

#include "collectors/probe/trust_store.h"

namespace entra_pta::probe {

StatusOr<TrustStore> LoadSystemTrustStore() {
  TrustStore store(X509_STORE_new(), X509StoreFree());
  if (!store) return Status::Error("out of memory creating a trust store");
  if (X509_STORE_set_default_paths(store.get()) != 1) {
    ERR_clear_error();
    return Status::Error(
        "cannot load the system's CA certificates (OpenSSL default paths); "
        "set collectors.endpoint.ca_file");
  }
  return store;
}

}  // namespace entra_pta::probe

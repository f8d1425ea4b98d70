#include "collectors/probe/trust_store.h"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace entra_pta::probe {

StatusOr<TrustStore> LoadTrustStore(const std::string& ca_file) {
  if (ca_file.empty()) return LoadSystemTrustStore();
  TrustStore store(X509_STORE_new(), X509StoreFree());
  if (!store) return Status::Error("out of memory creating a trust store");
  if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    ERR_clear_error();
    return Status::Error("cannot load CA certificates from ca_file " + ca_file +
                         " (expected a readable PEM file)");
  }
  return store;
}

}  // namespace entra_pta::probe

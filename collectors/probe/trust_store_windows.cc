// The system trust store on Windows: the certificates in the ROOT stores
// of the local machine and the current user, copied into an OpenSSL store,
// since OpenSSL does not read the Windows certificate store by itself.
// windows.h first, then wincrypt.h, then OpenSSL, whose headers undefine
// the wincrypt macros (X509_NAME, ...) that clash with its own names.
// clang-format off
#include <windows.h>
#include <wincrypt.h>
// clang-format on

#include <openssl/err.h>
#include <openssl/x509.h>

#include "collectors/probe/trust_store.h"

namespace entra_pta::probe {
namespace {

int AddRootsFrom(X509_STORE* store, DWORD location) {
  HCERTSTORE system_store =
      CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                    location | CERT_STORE_READONLY_FLAG, L"ROOT");
  if (system_store == nullptr) return 0;
  int added = 0;
  PCCERT_CONTEXT context = nullptr;
  while ((context = CertEnumCertificatesInStore(system_store, context)) !=
         nullptr) {
    const unsigned char* der = context->pbCertEncoded;
    X509* cert =
        d2i_X509(nullptr, &der, static_cast<long>(context->cbCertEncoded));
    if (cert == nullptr) {
      ERR_clear_error();
      continue;
    }
    // A certificate in both stores is added once; the duplicate fails.
    if (X509_STORE_add_cert(store, cert) == 1) ++added;
    ERR_clear_error();
    X509_free(cert);
  }
  CertCloseStore(system_store, 0);
  return added;
}

}  // namespace

StatusOr<TrustStore> LoadSystemTrustStore() {
  TrustStore store(X509_STORE_new(), X509StoreFree());
  if (!store) return Status::Error("out of memory creating a trust store");
  int added = AddRootsFrom(store.get(), CERT_SYSTEM_STORE_LOCAL_MACHINE) +
              AddRootsFrom(store.get(), CERT_SYSTEM_STORE_CURRENT_USER);
  if (added == 0) {
    return Status::Error(
        "the Windows ROOT certificate stores yielded no certificate; set "
        "collectors.endpoint.ca_file");
  }
  return store;
}

}  // namespace entra_pta::probe

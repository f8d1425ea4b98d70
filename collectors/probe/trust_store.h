// The trust anchors that verify HTTPS chains: a PEM file when configured,
// else the operating system's store (the OpenSSL default paths on Linux,
// the LocalMachine/CurrentUser ROOT stores on Windows). Backend picked by
// CMake: trust_store_posix.cc, trust_store_windows.cc.
// Thread-safety: LoadTrustStore may run on any thread; the returned store
// is reference-counted and safe for concurrent verification.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>

#include "exporter/util/status.h"

namespace entra_pta::probe {

struct X509StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
using TrustStore = std::shared_ptr<X509_STORE>;

// `ca_file` empty: the system store. Errors (unreadable or empty file) are
// values, so a scrape reports them.
StatusOr<TrustStore> LoadTrustStore(const std::string& ca_file);

// The system store only (backend-specific).
StatusOr<TrustStore> LoadSystemTrustStore();

}  // namespace entra_pta::probe

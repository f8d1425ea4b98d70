// A stand-in for the PTA agent's executables in the Wine end-to-end test
// (simulated_agent.py installs it as AzureADConnectAuthenticationAgent and
// AzureADConnectAgentUpdater at the agent's real paths). Started without
// arguments by the SCM it is a service that runs until stopped; its
// VERSIONINFO resource (agent_standin.rc) is what the agent collector reads.
// Two commands manage certificates for the tests, for which Wine has no
// command-line tool (STORE: a LocalMachine system store, MY by default, ROOT
// for a trust anchor):
//   import-certificate FILE.der [STORE]   adds the certificate
//   delete-certificate THUMBPRINT [STORE] removes it again
// Test artefact only, never shipped. Single-threaded apart from the SCM's
// control handler (stop_on_request_service.h), which only sets an event.
// clang-format off
#include <windows.h>
#include <wincrypt.h>
// clang-format on

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/windows/stop_on_request_service.h"

namespace {

HCERTSTORE OpenMachineStore(const std::string& name) {
  std::wstring wide(name.begin(), name.end());
  return CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                       CERT_SYSTEM_STORE_LOCAL_MACHINE, wide.c_str());
}

int ImportCertificate(const char* path, const std::string& store_name) {
  std::ifstream in(path, std::ios::binary);
  std::vector<BYTE> der((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
  if (der.empty()) {
    std::fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  HCERTSTORE store = OpenMachineStore(store_name);
  if (store == nullptr) {
    std::fprintf(stderr, "CertOpenStore: error %lu\n", GetLastError());
    return 1;
  }
  BOOL added = CertAddEncodedCertificateToStore(
      store, X509_ASN_ENCODING, der.data(), static_cast<DWORD>(der.size()),
      CERT_STORE_ADD_REPLACE_EXISTING, nullptr);
  DWORD error = GetLastError();
  // Wine writes a registry-backed store out when it is closed.
  CertCloseStore(store, 0);
  if (!added) {
    std::fprintf(stderr, "CertAddEncodedCertificateToStore: error %lu\n",
                 error);
    return 1;
  }
  return 0;
}

int DeleteCertificate(const std::string& thumbprint,
                      const std::string& store_name) {
  if (thumbprint.size() != 40) {
    std::fprintf(stderr, "a thumbprint is 40 hex digits\n");
    return 1;
  }
  BYTE hash[20];
  for (std::size_t i = 0; i < 20; ++i) {
    hash[i] =
        static_cast<BYTE>(std::stoul(thumbprint.substr(2 * i, 2), nullptr, 16));
  }
  HCERTSTORE store = OpenMachineStore(store_name);
  if (store == nullptr) {
    std::fprintf(stderr, "CertOpenStore: error %lu\n", GetLastError());
    return 1;
  }
  CRYPT_HASH_BLOB blob{sizeof hash, hash};
  PCCERT_CONTEXT found = CertFindCertificateInStore(
      store, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &blob, nullptr);
  // CertDeleteCertificateFromStore frees the context, found or not.
  BOOL deleted = found != nullptr && CertDeleteCertificateFromStore(found);
  CertCloseStore(store, 0);
  return deleted ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 || argc == 4) {
    const std::string command = argv[1];
    const std::string store = argc == 4 ? argv[3] : "MY";
    if (command == "import-certificate")
      return ImportCertificate(argv[2], store);
    if (command == "delete-certificate")
      return DeleteCertificate(argv[2], store);
  }
  if (argc != 1) {
    std::fprintf(stderr,
                 "usage: agent_standin [import-certificate FILE.der [STORE] | "
                 "delete-certificate THUMBPRINT [STORE]]\n");
    return 2;
  }
  return entra_pta::testing::RunStopOnRequestService();
}

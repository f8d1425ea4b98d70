// The agent host backend: GetFileVersionInfo for the executable's version,
// the registry (64-bit view) for the agent's ids, and the certificate store
// (CertFindCertificateInStore by SHA-1 hash) for the client certificate.
// clang-format off
#include "exporter/platform/win32_windows.h"  // <windows.h> must precede the others
#include <wincrypt.h>
#include <winver.h>
// clang-format on

#include <vector>

#include "collectors/agent/agent_host.h"

namespace entra_pta::agent {
namespace {

using win32::ErrorText;
using win32::Narrow;
using win32::Widen;

Status ReadRegistryString(HKEY key, const wchar_t* name,
                          const std::string& key_path, std::string& out) {
  DWORD bytes = 0;
  LSTATUS result =
      RegGetValueW(key, nullptr, name, RRF_RT_REG_SZ, nullptr, nullptr, &bytes);
  if (result == ERROR_SUCCESS) {
    std::vector<wchar_t> value(bytes / sizeof(wchar_t) + 1);
    bytes = static_cast<DWORD>(value.size() * sizeof(wchar_t));
    result = RegGetValueW(key, nullptr, name, RRF_RT_REG_SZ, nullptr,
                          value.data(), &bytes);
    if (result == ERROR_SUCCESS) {
      out = Narrow(value.data());
      return Status::Ok();
    }
  }
  return Status::Error("cannot read value " + Narrow(name) + " of HKLM\\" +
                       key_path + ": " + ErrorText(static_cast<DWORD>(result)));
}

class WindowsAgentHost final : public AgentHost {
 public:
  Status ReadFileVersion(const std::string& path, FileVersion& out) override {
    const std::wstring wide_path = Widen(path);
    WIN32_FILE_ATTRIBUTE_DATA attributes{};
    if (!GetFileAttributesExW(wide_path.c_str(), GetFileExInfoStandard,
                              &attributes)) {
      return Status::Error("cannot read " + path + ": " +
                           ErrorText(GetLastError()));
    }
    DWORD ignored = 0;
    DWORD size = GetFileVersionInfoSizeW(wide_path.c_str(), &ignored);
    if (size == 0) {
      return Status::Error("cannot read the file version of " + path + ": " +
                           ErrorText(GetLastError()));
    }
    std::vector<BYTE> data(size);
    if (!GetFileVersionInfoW(wide_path.c_str(), 0, size, data.data())) {
      return Status::Error("cannot read the file version of " + path + ": " +
                           ErrorText(GetLastError()));
    }
    VS_FIXEDFILEINFO* fixed = nullptr;
    UINT fixed_size = 0;
    if (!VerQueryValueW(data.data(), L"\\", reinterpret_cast<void**>(&fixed),
                        &fixed_size) ||
        fixed == nullptr || fixed_size < sizeof(VS_FIXEDFILEINFO)) {
      return Status::Error(path + " has no fixed file version");
    }
    out.version = std::to_string(HIWORD(fixed->dwFileVersionMS)) + "." +
                  std::to_string(LOWORD(fixed->dwFileVersionMS)) + "." +
                  std::to_string(HIWORD(fixed->dwFileVersionLS)) + "." +
                  std::to_string(LOWORD(fixed->dwFileVersionLS));
    out.last_write_seconds =
        win32::FileTimeToUnixSeconds(attributes.ftLastWriteTime);
    return Status::Ok();
  }

  Status ReadRegistryIds(const std::string& key_path, AgentIds& out) override {
    HKEY key = nullptr;
    LSTATUS opened = RegOpenKeyExW(HKEY_LOCAL_MACHINE, Widen(key_path).c_str(),
                                   0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &key);
    if (opened != ERROR_SUCCESS) {
      return Status::Error("cannot open registry key HKLM\\" + key_path + ": " +
                           ErrorText(static_cast<DWORD>(opened)));
    }
    Status status =
        ReadRegistryString(key, L"InstanceID", key_path, out.instance_id);
    if (status.ok()) {
      status = ReadRegistryString(key, L"TenantID", key_path, out.tenant_id);
    }
    RegCloseKey(key);
    return status;
  }

  Status FindCertificateNotAfter(const std::string& thumbprint_hex,
                                 bool user_store,
                                 double& not_after_seconds) override {
    if (thumbprint_hex.size() != 40) {
      return Status::Error("invalid certificate thumbprint " + thumbprint_hex);
    }
    BYTE hash[20];
    for (std::size_t i = 0; i < 20; ++i) {
      hash[i] = static_cast<BYTE>(
          std::stoul(thumbprint_hex.substr(2 * i, 2), nullptr, 16));
    }
    const char* store_name =
        user_store ? "CurrentUser\\My" : "LocalMachine\\My";
    HCERTSTORE store = CertOpenStore(
        CERT_STORE_PROV_SYSTEM_W, 0, 0,
        (user_store ? CERT_SYSTEM_STORE_CURRENT_USER
                    : CERT_SYSTEM_STORE_LOCAL_MACHINE) |
            CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG,
        L"MY");
    if (store == nullptr) {
      return Status::Error(std::string("cannot open the certificate store ") +
                           store_name + ": " + ErrorText(GetLastError()));
    }
    CRYPT_HASH_BLOB blob{sizeof hash, hash};
    PCCERT_CONTEXT certificate = CertFindCertificateInStore(
        store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH,
        &blob, nullptr);
    Status status = Status::Ok();
    if (certificate == nullptr) {
      status =
          Status::Error("the agent certificate " + thumbprint_hex +
                        " named in TrustSettings.xml is not in " + store_name);
    } else {
      not_after_seconds =
          win32::FileTimeToUnixSeconds(certificate->pCertInfo->NotAfter);
      CertFreeCertificateContext(certificate);
    }
    CertCloseStore(store, 0);
    return status;
  }
};

}  // namespace

bool AgentHostSupported() { return true; }

std::unique_ptr<AgentHost> MakeSystemAgentHost() {
  return std::make_unique<WindowsAgentHost>();
}

}  // namespace entra_pta::agent

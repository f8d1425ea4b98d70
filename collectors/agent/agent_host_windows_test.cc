// The agent host backend against the real Windows APIs (and Wine's): the
// file version of a test executable built with a VERSIONINFO resource,
// registry values the test writes under HKLM, and a self-signed certificate
// the test adds to the LocalMachine MY store. Everything is removed again.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "collectors/agent/agent_host.h"
#include "exporter/platform/win32_windows.h"

namespace entra_pta::agent {
namespace {

namespace fs = std::filesystem;

fs::path ExeDirectory() {
  wchar_t path[MAX_PATH];
  GetModuleFileNameW(nullptr, path, MAX_PATH);
  return fs::path(path).parent_path();
}

double NowUnixSeconds() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(AgentHostWindowsTest, FileVersionOfAnExecutable) {
  EXPECT_TRUE(AgentHostSupported());
  auto host = MakeSystemAgentHost();
  const fs::path exe = ExeDirectory() / "entra_pta_versioned.exe";
  FileVersion version;
  Status status = host->ReadFileVersion(win32::Narrow(exe.wstring()), version);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(version.version, "1.5.2482.0");
  // The build just wrote it.
  EXPECT_GT(version.last_write_seconds, NowUnixSeconds() - 24 * 3600);
  EXPECT_LE(version.last_write_seconds, NowUnixSeconds() + 60);
}

TEST(AgentHostWindowsTest, MissingOrUnversionedFilesAreErrors) {
  auto host = MakeSystemAgentHost();
  FileVersion version;
  Status missing = host->ReadFileVersion("C:\\no\\such\\agent.exe", version);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("cannot read C:\\no\\such\\agent.exe"),
            std::string::npos)
      << missing.message();
  // This test executable has no version resource.
  wchar_t self[MAX_PATH];
  GetModuleFileNameW(nullptr, self, MAX_PATH);
  Status unversioned = host->ReadFileVersion(win32::Narrow(self), version);
  EXPECT_FALSE(unversioned.ok());
  EXPECT_NE(unversioned.message().find("file version"), std::string::npos)
      << unversioned.message();
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = "SOFTWARE\\EntraPtaExporterTest\\" +
           std::to_string(GetCurrentProcessId());
  }
  void TearDown() override {
    RegDeleteTreeW(HKEY_LOCAL_MACHINE, win32::Widen(key_).c_str());
  }
  void Write(const wchar_t* name, const wchar_t* value) {
    HKEY key = nullptr;
    ASSERT_EQ(RegCreateKeyExW(HKEY_LOCAL_MACHINE, win32::Widen(key_).c_str(), 0,
                              nullptr, 0, KEY_SET_VALUE | KEY_WOW64_64KEY,
                              nullptr, &key, nullptr),
              ERROR_SUCCESS);
    ASSERT_EQ(RegSetValueExW(
                  key, name, 0, REG_SZ, reinterpret_cast<const BYTE*>(value),
                  static_cast<DWORD>((wcslen(value) + 1) * sizeof(wchar_t))),
              ERROR_SUCCESS);
    RegCloseKey(key);
  }
  std::string key_;
};

TEST_F(RegistryTest, ReadsInstanceAndTenantIds) {
  auto host = MakeSystemAgentHost();
  AgentIds ids;
  Status absent = host->ReadRegistryIds(key_, ids);
  EXPECT_FALSE(absent.ok());
  EXPECT_NE(absent.message().find("cannot open registry key HKLM\\" + key_),
            std::string::npos)
      << absent.message();

  Write(L"InstanceID", L"0b1c2d3e-aaaa-bbbb-cccc-000000000001");
  Status no_tenant = host->ReadRegistryIds(key_, ids);
  EXPECT_FALSE(no_tenant.ok());
  EXPECT_NE(no_tenant.message().find("TenantID"), std::string::npos)
      << no_tenant.message();

  Write(L"TenantID", L"72f988bf-86f1-41af-91ab-2d7cd011db47");
  Status read = host->ReadRegistryIds(key_, ids);
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(ids.instance_id, "0b1c2d3e-aaaa-bbbb-cccc-000000000001");
  EXPECT_EQ(ids.tenant_id, "72f988bf-86f1-41af-91ab-2d7cd011db47");
}

// A self-signed certificate with a known NotAfter in LocalMachine\MY.
class CertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::wstring subject_text =
        L"CN=entra-pta-exporter-test-" + std::to_wstring(GetCurrentProcessId());
    DWORD encoded_size = 0;
    ASSERT_TRUE(CertStrToNameW(X509_ASN_ENCODING, subject_text.c_str(),
                               CERT_X500_NAME_STR, nullptr, nullptr,
                               &encoded_size, nullptr));
    std::vector<BYTE> encoded(encoded_size);
    ASSERT_TRUE(CertStrToNameW(X509_ASN_ENCODING, subject_text.c_str(),
                               CERT_X500_NAME_STR, nullptr, encoded.data(),
                               &encoded_size, nullptr));
    CERT_NAME_BLOB subject{encoded_size, encoded.data()};
    SYSTEMTIME end{};
    end.wYear = 2031;
    end.wMonth = 7;
    end.wDay = 15;
    end.wHour = 12;
    // 2031-07-15T12:00:00Z
    expected_not_after_ = 1941883200;
    container_ = L"entra-pta-test-" + std::to_wstring(GetCurrentProcessId());
    CRYPT_KEY_PROV_INFO key_info{};
    key_info.pwszContainerName = container_.data();
    key_info.dwProvType = PROV_RSA_FULL;
    key_info.dwFlags = CRYPT_MACHINE_KEYSET;
    key_info.dwKeySpec = AT_SIGNATURE;
    HCRYPTPROV provider = 0;
    if (!CryptAcquireContextW(&provider, container_.c_str(), nullptr,
                              PROV_RSA_FULL,
                              CRYPT_NEWKEYSET | CRYPT_MACHINE_KEYSET)) {
      ASSERT_TRUE(CryptAcquireContextW(&provider, container_.c_str(), nullptr,
                                       PROV_RSA_FULL, CRYPT_MACHINE_KEYSET))
          << win32::ErrorText(GetLastError());
    }
    HCRYPTKEY key = 0;
    ASSERT_TRUE(CryptGenKey(provider, AT_SIGNATURE, 2048u << 16, &key))
        << win32::ErrorText(GetLastError());
    CryptDestroyKey(key);
    CryptReleaseContext(provider, 0);
    certificate_ = CertCreateSelfSignCertificate(
        0, &subject, 0, &key_info, nullptr, nullptr, &end, nullptr);
    ASSERT_NE(certificate_, nullptr) << win32::ErrorText(GetLastError());
    store_ = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                           CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    ASSERT_NE(store_, nullptr) << win32::ErrorText(GetLastError());
    ASSERT_TRUE(CertAddCertificateContextToStore(
        store_, certificate_, CERT_STORE_ADD_REPLACE_EXISTING, nullptr))
        << win32::ErrorText(GetLastError());
    // Wine writes a registry-backed store out when it is closed; close it so
    // the backend's own handle sees the certificate.
    CertCloseStore(store_, 0);
    store_ = nullptr;
    BYTE hash[20];
    DWORD hash_size = sizeof hash;
    ASSERT_TRUE(CertGetCertificateContextProperty(
        certificate_, CERT_SHA1_HASH_PROP_ID, hash, &hash_size));
    for (BYTE b : hash) {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02X", b);
      thumbprint_ += hex;
    }
  }

  void TearDown() override {
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                                     CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY");
    if (store != nullptr && certificate_ != nullptr) {
      PCCERT_CONTEXT stored =
          CertFindCertificateInStore(store, X509_ASN_ENCODING, 0,
                                     CERT_FIND_EXISTING, certificate_, nullptr);
      if (stored != nullptr) CertDeleteCertificateFromStore(stored);
      CertCloseStore(store, 0);
    }
    if (certificate_ != nullptr) CertFreeCertificateContext(certificate_);
    if (store_ != nullptr) CertCloseStore(store_, 0);
    HCRYPTPROV provider = 0;
    CryptAcquireContextW(&provider, container_.c_str(), nullptr, PROV_RSA_FULL,
                         CRYPT_DELETEKEYSET | CRYPT_MACHINE_KEYSET);
  }

  std::wstring container_;
  PCCERT_CONTEXT certificate_ = nullptr;
  HCERTSTORE store_ = nullptr;
  std::string thumbprint_;
  double expected_not_after_ = 0;
};

TEST_F(CertificateTest, FindsNotAfterByThumbprint) {
  auto host = MakeSystemAgentHost();
  double not_after = 0;
  Status found = host->FindCertificateNotAfter(thumbprint_, false, not_after);
  ASSERT_TRUE(found.ok()) << found.message();
  EXPECT_EQ(not_after, expected_not_after_);

  std::string other = thumbprint_;
  other[0] = other[0] == 'A' ? 'B' : 'A';
  Status missing = host->FindCertificateNotAfter(other, false, not_after);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("is not in LocalMachine\\My"),
            std::string::npos)
      << missing.message();
}

}  // namespace
}  // namespace entra_pta::agent

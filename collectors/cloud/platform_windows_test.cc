// The Windows platform backend of the cloud collector for real (Windows, or
// Wine through scripts/test-windows): DPAPI protection of the refresh
// token, the state file holding a DPAPI-protected token, the default state
// file path and the machine name.
#include <winsock2.h>
// winsock2.h must come before windows.h.
#include <windows.h>
// wincrypt.h needs windows.h first.
#include <gtest/gtest.h>
#include <wincrypt.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "collectors/cloud/platform.h"
#include "collectors/cloud/state_store.h"

namespace entra_pta::cloud {
namespace {

namespace fs = std::filesystem;

// Secrets of the shape Entra issues (long, base64url-ish) and some edge
// cases: DPAPI must give back exactly the same bytes.
const char* const kSecrets[] = {
    "0.AX0A1bC2-refresh_token.with-dots~and_underscores",
    "",
    "x",
};

std::string Long(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += static_cast<char>('A' + static_cast<char>(i % 26));
  }
  return out;
}

ProtectedSecret Protect(const std::string& secret) {
  auto result = ProtectSecret(secret);
  if (!result.ok()) {
    ADD_FAILURE() << result.status().message();
    return {};
  }
  return result.value();
}

std::vector<BYTE> Decode(const std::string& base64) {
  DWORD length = 0;
  EXPECT_TRUE(::CryptStringToBinaryA(
      base64.c_str(), static_cast<DWORD>(base64.size()), CRYPT_STRING_BASE64,
      nullptr, &length, nullptr, nullptr));
  std::vector<BYTE> out(length);
  ::CryptStringToBinaryA(base64.c_str(), static_cast<DWORD>(base64.size()),
                         CRYPT_STRING_BASE64, out.data(), &length, nullptr,
                         nullptr);
  return out;
}

std::string Encode(const std::vector<BYTE>& bytes) {
  DWORD length = 0;
  ::CryptBinaryToStringA(bytes.data(), static_cast<DWORD>(bytes.size()),
                         CRYPT_STRING_BASE64 | CRYPT_STRING_NOCRLF, nullptr,
                         &length);
  std::string out(length, '\0');
  ::CryptBinaryToStringA(bytes.data(), static_cast<DWORD>(bytes.size()),
                         CRYPT_STRING_BASE64 | CRYPT_STRING_NOCRLF, out.data(),
                         &length);
  out.resize(length);
  return out;
}

TEST(DpapiTest, RoundTripGivesBackTheSameBytes) {
  std::vector<std::string> secrets(std::begin(kSecrets), std::end(kSecrets));
  secrets.push_back(Long(8192));
  secrets.push_back(std::string("nul\0inside\xff\x80", 14));
  for (const std::string& secret : secrets) {
    const ProtectedSecret stored = Protect(secret);
    EXPECT_EQ(stored.protection, "dpapi");
    ASSERT_FALSE(stored.data.empty());
    if (secret.size() > 4) {
      EXPECT_EQ(stored.data.find(secret), std::string::npos);
      EXPECT_GE(Decode(stored.data).size(), secret.size());
    }
    auto back = UnprotectSecret(stored);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back.value(), secret);
  }
}

// The stored form is a DPAPI blob (base64, no line breaks, so it fits in
// one JSON string), not the secret in another encoding.
TEST(DpapiTest, StoredFormIsAnOpaqueDpapiBlob) {
  const std::string secret = "RT-" + Long(40);
  const ProtectedSecret first = Protect(secret);
  const ProtectedSecret second = Protect(secret);
  EXPECT_EQ(first.data.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(Encode(Decode(first.data)), first.data);
  const std::vector<BYTE> blob = Decode(first.data);
  const std::string raw(blob.begin(), blob.end());
  EXPECT_EQ(raw.find(secret), std::string::npos);
  EXPECT_EQ(raw.find(Long(40)), std::string::npos);
  EXPECT_NE(first.data, second.data) << "DPAPI output is salted";
}

TEST(DpapiTest, TamperedCiphertextIsRejectedWithAClearError) {
  const ProtectedSecret stored = Protect("RT-" + Long(64));
  std::vector<BYTE> blob = Decode(stored.data);
  ASSERT_GT(blob.size(), 100u);
  // Flip one bit at a time in the blob's tail: the encrypted payload (67
  // bytes of secret, 72 encrypted) followed by the signature; each must
  // fail the integrity check. (Wine, unlike Windows, does not authenticate
  // the blob's header: description, algorithm ids, salt; measured by
  // flipping every byte. So the header is left alone here.)
  for (std::size_t at : {blob.size() - 1, blob.size() - 10, blob.size() - 30,
                         blob.size() - 60, blob.size() - 90}) {
    std::vector<BYTE> tampered = blob;
    tampered[at] ^= 0x01;
    auto back = UnprotectSecret({"dpapi", Encode(tampered)});
    ASSERT_FALSE(back.ok())
        << "tampered byte " << at << " of " << blob.size() << " accepted";
    const std::string& message = back.status().message();
    EXPECT_NE(message.find("DPAPI could not decrypt the refresh token"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("graph login"), std::string::npos) << message;
  }
  // Truncated, empty, not base64 at all, and another platform's protection.
  for (const ProtectedSecret& bad :
       {ProtectedSecret{"dpapi", Encode(std::vector<BYTE>(blob.begin(),
                                                          blob.begin() + 20))},
        ProtectedSecret{"dpapi", ""}, ProtectedSecret{"dpapi", "!!!not*base64"},
        ProtectedSecret{"file-mode", "RT-plain"}}) {
    auto back = UnprotectSecret(bad);
    ASSERT_FALSE(back.ok()) << bad.data;
    EXPECT_FALSE(back.status().message().empty());
    EXPECT_EQ(back.status().message().find("RT-plain"), std::string::npos);
  }
  EXPECT_NE(UnprotectSecret({"file-mode", "RT-plain"})
                .status()
                .message()
                .find("not DPAPI-protected"),
            std::string::npos);
}

// The state file on Windows: the DPAPI-protected token survives a save and
// a load through the portable state store, and the file never holds the
// token itself.
TEST(DpapiTest, StateFileKeepsOnlyTheProtectedToken) {
  const fs::path dir = fs::temp_directory_path() / "entra-pta-dpapi-state";
  fs::remove_all(dir);
  const std::string path = (dir / "cloud-state.json").string();
  const std::string token = "RT-" + Long(100);
  CloudState state;
  state.refresh_token = Protect(token);
  state.last_active["agent-1"] = {"pta01",
                                  std::chrono::system_clock::time_point(
                                      std::chrono::seconds(1'800'000'000))};
  Status saved = SaveCloudState(path, state);
  ASSERT_TRUE(saved.ok()) << saved.message();
  std::ostringstream text;
  text << std::ifstream(path, std::ios::binary).rdbuf();
  EXPECT_EQ(text.str().find(token), std::string::npos);
  EXPECT_EQ(text.str().find(Long(100)), std::string::npos);
  EXPECT_NE(text.str().find("dpapi"), std::string::npos) << text.str();
  auto loaded = LoadCloudState(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const CloudState& back = loaded.value();
  ASSERT_TRUE(back.refresh_token.has_value());
  auto unprotected = UnprotectSecret(*back.refresh_token);
  ASSERT_TRUE(unprotected.ok()) << unprotected.status().message();
  EXPECT_EQ(unprotected.value(), token);
  EXPECT_EQ(back.last_active.at("agent-1").machine_name, "pta01");
  fs::remove_all(dir);
}

TEST(PlatformWindowsTest, DefaultStateFileIsUnderProgramData) {
  wchar_t program_data[MAX_PATH];
  const DWORD length =
      ::GetEnvironmentVariableW(L"ProgramData", program_data, MAX_PATH);
  ASSERT_GT(length, 0u);
  std::string expected;
  for (DWORD i = 0; i < length; ++i) {
    expected += static_cast<char>(program_data[i]);
  }
  expected += "\\entra-pta-exporter\\cloud-state.json";
  EXPECT_EQ(DefaultStateFile(), expected);
}

// The name the PTA agent registers is the DNS host name: lower case, the
// same as Winsock's gethostname (which Wine takes from the Unix host name),
// without a domain.
TEST(PlatformWindowsTest, LocalMachineNameIsTheLowerCaseHostName) {
  WSADATA data;
  ASSERT_EQ(::WSAStartup(MAKEWORD(2, 2), &data), 0);
  char host[256] = {0};
  ASSERT_EQ(::gethostname(host, sizeof host), 0);
  ::WSACleanup();
  std::string expected = host;
  expected = expected.substr(0, expected.find('.'));
  for (char& c : expected) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::string name = LocalMachineName();
  ASSERT_FALSE(name.empty());
  EXPECT_EQ(name, expected);
  EXPECT_EQ(name.find('\0'), std::string::npos);
  for (char c : name) {
    EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << name;
  }
}

}  // namespace
}  // namespace entra_pta::cloud

// Windows: the refresh token is encrypted with DPAPI (CryptProtectData),
// bound to the account the exporter runs as, and base64-encoded into the
// state file, so a copy of the file is useless elsewhere.
#include <windows.h>
// wincrypt.h needs windows.h first.
#include <wincrypt.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "collectors/cloud/platform.h"
#include "exporter/util/base64.h"

namespace entra_pta::cloud {
namespace {

std::string Utf8(const std::wstring& wide) {
  if (wide.empty()) return {};
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, wide.data(),
                                         static_cast<int>(wide.size()), nullptr,
                                         0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                        out.data(), size, nullptr, nullptr);
  return out;
}

}  // namespace

StatusOr<ProtectedSecret> ProtectSecret(const std::string& secret) {
  DATA_BLOB in{static_cast<DWORD>(secret.size()),
               reinterpret_cast<BYTE*>(const_cast<char*>(secret.data()))};
  DATA_BLOB out{0, nullptr};
  if (!::CryptProtectData(&in, L"entra_pta_exporter refresh token", nullptr,
                          nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN, &out)) {
    return Status::Error("DPAPI could not protect the refresh token (error " +
                         std::to_string(::GetLastError()) + ")");
  }
  ProtectedSecret stored{
      "dpapi", Base64Encode(std::string_view(
                   reinterpret_cast<const char*>(out.pbData), out.cbData))};
  ::LocalFree(out.pbData);
  return stored;
}

StatusOr<std::string> UnprotectSecret(const ProtectedSecret& stored) {
  if (stored.protection != "dpapi") {
    return Status::Error(
        "the state file's refresh token is not DPAPI-"
        "protected; run `entra_pta_exporter graph login` "
        "again");
  }
  std::string blob = Base64Decode(stored.data).value_or("");
  DATA_BLOB in{static_cast<DWORD>(blob.size()),
               reinterpret_cast<BYTE*>(blob.data())};
  DATA_BLOB out{0, nullptr};
  if (blob.empty() ||
      !::CryptUnprotectData(&in, nullptr, nullptr, nullptr, nullptr,
                            CRYPTPROTECT_UI_FORBIDDEN, &out)) {
    return Status::Error(
        "DPAPI could not decrypt the refresh token (was the state file "
        "written by another account?); run `entra_pta_exporter graph login` "
        "as the exporter's account");
  }
  std::string secret(reinterpret_cast<char*>(out.pbData), out.cbData);
  ::SecureZeroMemory(out.pbData, out.cbData);
  ::LocalFree(out.pbData);
  return secret;
}

Status CreateOwnerOnlyFile(const std::string& path) {
  HANDLE file =
      CreateFileW(std::filesystem::path(path).c_str(), GENERIC_WRITE, 0,
                  nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    return Status::Error("cannot create " + path + " (Windows error " +
                         std::to_string(GetLastError()) + ")");
  }
  CloseHandle(file);
  return Status::Ok();
}

std::string DefaultStateFile() {
  wchar_t buffer[MAX_PATH] = {0};
  DWORD length = ::GetEnvironmentVariableW(L"ProgramData", buffer, MAX_PATH);
  std::string base = length > 0 && length < MAX_PATH
                         ? Utf8(std::wstring(buffer, length))
                         : std::string("C:\\ProgramData");
  return base + "\\entra-pta-exporter\\cloud-state.json";
}

std::string LocalMachineName() {
  DWORD size = 0;
  ::GetComputerNameExW(ComputerNameDnsHostname, nullptr, &size);
  if (size == 0) return "";
  std::wstring name(size, L'\0');
  if (!::GetComputerNameExW(ComputerNameDnsHostname, name.data(), &size)) {
    return "";
  }
  name.resize(size);
  std::string out = Utf8(name);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace entra_pta::cloud

// Unix: there is no per-account secret store in the base system, so the
// refresh token is stored as is and the state file is created readable and
// writable by the exporter's account only (0600, see state_store.cc).
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "collectors/cloud/platform.h"

namespace entra_pta::cloud {

StatusOr<ProtectedSecret> ProtectSecret(const std::string& secret) {
  return ProtectedSecret{"file-mode", secret};
}

StatusOr<std::string> UnprotectSecret(const ProtectedSecret& stored) {
  if (stored.protection != "file-mode") {
    return Status::Error("the state file's refresh token is protected with " +
                         stored.protection +
                         ", which this platform cannot read; run "
                         "`entra_pta_exporter graph login` again");
  }
  return stored.data;
}

Status CreateOwnerOnlyFile(const std::string& path) {
  const int fd = ::open(
      path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Status::Error("cannot create " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return Status::Ok();
}

std::string DefaultStateFile() {
  return "/var/lib/entra-pta-exporter/cloud-state.json";
}

std::string LocalMachineName() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  std::string out(name);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace entra_pta::cloud

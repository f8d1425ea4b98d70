#include "collectors/cloud/state_store.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>
#include <thread>

#include "collectors/cloud/platform.h"

namespace entra_pta::cloud {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Directories the exporter creates for its state are its own: owner only.
void CreatePrivateDirectories(const fs::path& directory) {
  std::error_code ec;
  if (fs::create_directories(directory, ec)) {
    fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace,
                    ec);
  }
}

constexpr auto kLockWait = std::chrono::seconds(5);
constexpr auto kStaleLock = std::chrono::seconds(30);

// An exclusive lock held while it exists: the lock file is created by the
// platform's exclusive create (O_EXCL; CREATE_NEW on Windows, whose C
// runtime msvcrt ignores C11's "x" mode of fopen and would let two
// writers both take the lock).
class LockFile {
 public:
  explicit LockFile(fs::path path) : path_(std::move(path)) {}
  ~LockFile() {
    if (held_) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  bool Acquire() {
    const auto give_up = std::chrono::steady_clock::now() + kLockWait;
    while (true) {
      if (CreateOwnerOnlyFile(path_.string()).ok()) {
        held_ = true;
        return true;
      }
      std::error_code ec;
      const auto written = fs::last_write_time(path_, ec);
      if (!ec && fs::file_time_type::clock::now() - written > kStaleLock) {
        fs::remove(path_, ec);
        continue;
      }
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  fs::path path_;
  bool held_ = false;
};

json SerializeLedger(const SignInLedger& ledger) {
  json out = json::object();
  if (ledger.watermark) out["watermark_unix_ms"] = *ledger.watermark;
  json seen = json::object();
  for (const auto& [id, created] : ledger.seen) seen[id] = created;
  out["seen"] = seen;
  json totals = json::object();
  for (const auto& [code, total] : ledger.totals) {
    totals[std::to_string(code)] = total;
  }
  out["totals"] = totals;
  json last = json::object();
  for (const auto& [code, when] : ledger.last_seen) {
    last[std::to_string(code)] = when;
  }
  out["last_unix_ms"] = last;
  return out;
}

// A non-negative integer below 2^62 (Unix ms up to year 9999, counts).
bool SmallCount(const json& value) {
  return value.is_number_unsigned() &&
         value.get<unsigned long long>() < (1ULL << 62);
}

// A PTA code spelled as the state file keys it ("80001").
std::optional<int> CodeKey(const std::string& key) {
  for (const PtaErrorCode& entry : PtaErrorCodes()) {
    if (key == std::to_string(entry.code)) return entry.code;
  }
  return std::nullopt;
}

StatusOr<SignInLedger> ParseLedger(const json& in) {
  const std::string where = "\"signin_failures\"";
  if (!in.is_object()) return Status::Error(where + " must be an object");
  SignInLedger ledger;
  if (auto it = in.find("watermark_unix_ms"); it != in.end()) {
    if (!SmallCount(*it)) {
      return Status::Error(where + " has an invalid watermark_unix_ms");
    }
    ledger.watermark = it->get<UnixMillis>();
  }
  auto object = [&](const char* key) -> StatusOr<const json*> {
    auto it = in.find(key);
    if (it == in.end()) return static_cast<const json*>(nullptr);
    if (!it->is_object()) {
      return Status::Error(where + "." + key + " must be an object");
    }
    for (const auto& [name, value] : it->items()) {
      if (!SmallCount(value)) {
        return Status::Error(where + "." + key +
                             " holds a value that is not a count");
      }
    }
    return &*it;
  };
  auto seen = object("seen");
  if (!seen.ok()) return seen.status();
  if (*seen != nullptr) {
    for (const auto& [id, created] : (*seen)->items()) {
      if (id.empty() || id.size() > 128) {
        return Status::Error(where + ".seen has an invalid sign-in id");
      }
      ledger.seen[id] = created.get<UnixMillis>();
    }
  }
  for (auto [key, is_totals] :
       {std::pair{"totals", true}, std::pair{"last_unix_ms", false}}) {
    auto entries = object(key);
    if (!entries.ok()) return entries.status();
    if (*entries == nullptr) continue;
    for (const auto& [name, value] : (*entries)->items()) {
      auto code = CodeKey(name);
      if (!code) {
        return Status::Error(where + "." + key +
                             " names an unknown code (not a PTA error code)");
      }
      if (is_totals) {
        ledger.totals[*code] = value.get<std::uint64_t>();
      } else {
        ledger.last_seen[*code] = value.get<UnixMillis>();
      }
    }
  }
  return ledger;
}

}  // namespace

std::string SerializeCloudState(const CloudState& state) {
  json root = json::object();
  if (state.refresh_token) {
    root["refresh_token"] = {{"protection", state.refresh_token->protection},
                             {"data", state.refresh_token->data}};
  }
  json agents = json::object();
  for (const auto& [id, last] : state.last_active) {
    agents[id] = {{"machine_name", last.machine_name},
                  {"last_active_unix_ms",
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       last.when.time_since_epoch())
                       .count()}};
  }
  root["last_active"] = agents;
  root["signin_failures"] = SerializeLedger(state.signin_failures);
  return root.dump(2) + "\n";
}

StatusOr<CloudState> ParseCloudState(const std::string& text) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::Error("not a JSON object");
  }
  CloudState state;
  if (auto token = root.find("refresh_token"); token != root.end()) {
    if (!token->is_object() || !(*token)["protection"].is_string() ||
        !(*token)["data"].is_string()) {
      return Status::Error(
          "\"refresh_token\" must hold \"protection\" and "
          "\"data\" strings");
    }
    state.refresh_token =
        ProtectedSecret{(*token)["protection"].get<std::string>(),
                        (*token)["data"].get<std::string>()};
  }
  if (auto agents = root.find("last_active"); agents != root.end()) {
    if (!agents->is_object()) {
      return Status::Error("\"last_active\" must be an object");
    }
    for (const auto& [id, entry] : agents->items()) {
      if (!entry.is_object() || !entry.contains("last_active_unix_ms") ||
          !entry["last_active_unix_ms"].is_number_integer()) {
        return Status::Error("\"last_active\" entry for agent " + id +
                             " has no last_active_unix_ms");
      }
      LastActive last;
      if (entry.contains("machine_name") && entry["machine_name"].is_string()) {
        last.machine_name = entry["machine_name"].get<std::string>();
      }
      // Between 1970 and what the clock holds (year 2262): a larger value
      // would overflow converting to the clock's nanoseconds.
      constexpr long long kMaxUnixMs =
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::time_point::max().time_since_epoch())
              .count();
      const json& unix_ms = entry["last_active_unix_ms"];
      if (unix_ms.is_number_unsigned()
              ? unix_ms.get<unsigned long long>() >
                    static_cast<unsigned long long>(kMaxUnixMs)
              : unix_ms.get<long long>() < 0) {
        return Status::Error("\"last_active\" entry for agent " + id +
                             " has an out-of-range last_active_unix_ms");
      }
      last.when = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(unix_ms.get<long long>()));
      state.last_active[id] = last;
    }
  }
  if (auto ledger = root.find("signin_failures"); ledger != root.end()) {
    auto parsed = ParseLedger(*ledger);
    if (!parsed.ok()) return parsed.status();
    state.signin_failures = std::move(*parsed);
  }
  return state;
}

StatusOr<CloudState> LoadCloudState(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return CloudState{};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error("cannot read the cloud state file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = ParseCloudState(text.str());
  if (!parsed.ok()) {
    return Status::Error("the cloud state file " + path +
                         " is malformed: " + parsed.status().message());
  }
  return parsed;
}

Status SaveCloudState(const std::string& path, const CloudState& state) {
  std::error_code ec;
  const fs::path target(path);
  if (target.has_parent_path()) CreatePrivateDirectories(target.parent_path());
  const fs::path temporary = target.string() + ".tmp";
  fs::remove(temporary, ec);
  // Created owner-only from the first instant, then the secret is written:
  // no other account can hold it open from before the mode was set.
  if (Status created = CreateOwnerOnlyFile(temporary.string()); !created.ok()) {
    return Status::Error("cannot write the cloud state file: " +
                         created.message());
  }
  fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return Status::Error("cannot restrict the cloud state file " +
                         temporary.string() + " to its owner: " + ec.message());
  }
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << SerializeCloudState(state);
    out.flush();
    if (!out) {
      fs::remove(temporary, ec);
      return Status::Error("cannot write the cloud state file " +
                           temporary.string());
    }
  }
  fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return Status::Error("cannot replace the cloud state file " + path + ": " +
                         ec.message());
  }
  return Status::Ok();
}

Status UpdateCloudState(const std::string& path,
                        const std::function<void(CloudState&)>& change,
                        bool replace_unreadable) {
  std::error_code ec;
  const fs::path target(path);
  if (target.has_parent_path()) CreatePrivateDirectories(target.parent_path());
  LockFile lock(target.string() + ".lock");
  if (!lock.Acquire()) {
    return Status::Error("cannot lock the cloud state file " + path +
                         " (another process holds " + path + ".lock)");
  }
  auto loaded = LoadCloudState(path);
  CloudState state;
  if (loaded.ok()) {
    state = std::move(*loaded);
  } else if (!replace_unreadable) {
    return loaded.status();
  }
  change(state);
  return SaveCloudState(path, state);
}

}  // namespace entra_pta::cloud

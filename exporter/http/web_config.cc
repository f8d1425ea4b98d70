#include "exporter/http/web_config.h"

#include <filesystem>
#include <map>
#include <system_error>

#include "exporter/http/basic_auth.h"
#include "exporter/http/tls_server.h"
#include "exporter/sdk/config_section.h"

namespace entra_pta {
namespace {

// The response headers exporter-toolkit lets the file set.
constexpr const char* kSettableHeaders[] = {
    "Content-Security-Policy", "Strict-Transport-Security", "X-Frame-Options",
    "X-Content-Type-Options", "X-XSS-Protection"};

std::optional<TlsVersion> ParseTlsVersion(const std::string& text) {
  if (text == "TLS10") return TlsVersion::kTls10;
  if (text == "TLS11") return TlsVersion::kTls11;
  if (text == "TLS12") return TlsVersion::kTls12;
  if (text == "TLS13") return TlsVersion::kTls13;
  return std::nullopt;
}

std::optional<ClientAuth> ParseClientAuth(const std::string& text) {
  if (text == "NoClientCert") return ClientAuth::kNoClientCert;
  if (text == "RequestClientCert") return ClientAuth::kRequestClientCert;
  if (text == "RequireAnyClientCert") return ClientAuth::kRequireAnyClientCert;
  if (text == "VerifyClientCertIfGiven") {
    return ClientAuth::kVerifyClientCertIfGiven;
  }
  if (text == "RequireAndVerifyClientCert") {
    return ClientAuth::kRequireAndVerifyClientCert;
  }
  return std::nullopt;
}

// client_auth_type, checked against client_ca_file.
void ApplyClientAuth(const ConfigSection& tls,
                     const std::optional<std::string>& auth,
                     const std::optional<std::string>& client_ca,
                     TlsServerSettings& settings) {
  if (auth) {
    auto parsed = ParseClientAuth(*auth);
    if (!parsed) {
      tls.Fail("client_auth_type",
               "tls_server_config.client_auth_type: \"" + *auth +
                   "\" is not one of NoClientCert, RequestClientCert, "
                   "RequireAnyClientCert, VerifyClientCertIfGiven, "
                   "RequireAndVerifyClientCert");
    }
    settings.client_auth = *parsed;
  }
  const bool verifies =
      settings.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
      settings.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  if (verifies && !client_ca) {
    tls.Fail("client_auth_type",
             "tls_server_config.client_ca_file: required when "
             "client_auth_type is " +
                 *auth);
  }
  if (client_ca && !verifies) {
    // Without verification the CA would be loaded and never used: a client
    // certificate from anyone would do, which is not what the file implies.
    tls.Fail("client_ca_file",
             "tls_server_config.client_ca_file: client certificates are not "
             "verified with client_auth_type " +
                 auth.value_or("NoClientCert") +
                 " (use VerifyClientCertIfGiven or "
                 "RequireAndVerifyClientCert)");
  }
}

// min_version and max_version; max_version not below min_version.
void ApplyVersions(const ConfigSection& tls,
                   const std::optional<std::string>& min_version,
                   const std::optional<std::string>& max_version,
                   TlsServerSettings& settings) {
  if (min_version) {
    auto parsed = ParseTlsVersion(*min_version);
    if (!parsed) {
      tls.Fail("min_version", "tls_server_config.min_version: \"" +
                                  *min_version +
                                  "\" is not one of TLS10, TLS11, TLS12, "
                                  "TLS13");
    }
    settings.min_version = *parsed;
  }
  if (max_version) {
    auto parsed = ParseTlsVersion(*max_version);
    if (!parsed) {
      tls.Fail("max_version", "tls_server_config.max_version: \"" +
                                  *max_version +
                                  "\" is not one of TLS10, TLS11, TLS12, "
                                  "TLS13");
    }
    if (*parsed < settings.min_version) {
      tls.Fail("max_version",
               "tls_server_config.max_version: lower than min_version");
    }
    settings.max_version = *parsed;
  }
}

std::shared_ptr<const TlsAcceptor> LoadTls(const ConfigSection& tls,
                                           const std::filesystem::path& folder,
                                           std::vector<std::string>& files) {
  auto resolve = [&](const std::string& name) {
    std::filesystem::path path(name);
    return (path.is_relative() ? folder / path : path).string();
  };
  TlsServerSettings settings;
  const auto cert = tls.String("cert_file");
  const auto key = tls.String("key_file");
  const auto auth = tls.String("client_auth_type");
  const auto client_ca = tls.String("client_ca_file");
  const auto min_version = tls.String("min_version");
  const auto max_version = tls.String("max_version");
  const auto ciphers = tls.StringList("cipher_suites");
  const auto curves = tls.StringList("curve_preferences");
  const auto prefer_server = tls.Bool("prefer_server_cipher_suites");
  const auto allowed_sans = tls.StringList("client_allowed_sans");
  // A misspelt key explains a "missing" one, so unknown keys come first.
  tls.RejectUnknownKeys();
  if (!cert) tls.Fail("", "tls_server_config.cert_file: a value is required");
  if (!key) tls.Fail("", "tls_server_config.key_file: a value is required");
  settings.cert_file = resolve(*cert);
  settings.key_file = resolve(*key);
  ApplyClientAuth(tls, auth, client_ca, settings);
  if (client_ca) settings.client_ca_file = resolve(*client_ca);
  ApplyVersions(tls, min_version, max_version, settings);
  if (ciphers) settings.cipher_suites = *ciphers;
  if (curves) settings.curve_preferences = *curves;
  if (prefer_server) settings.prefer_server_cipher_suites = *prefer_server;
  if (allowed_sans) {
    if (settings.client_auth != ClientAuth::kRequireAndVerifyClientCert) {
      tls.Fail("client_allowed_sans",
               "tls_server_config.client_allowed_sans: needs "
               "client_auth_type RequireAndVerifyClientCert");
    }
    settings.client_allowed_sans = *allowed_sans;
  }
  try {
    auto acceptor = MakeTlsAcceptor(settings);
    files.push_back(settings.cert_file);
    files.push_back(settings.key_file);
    if (!settings.client_ca_file.empty()) {
      files.push_back(settings.client_ca_file);
    }
    return acceptor;
  } catch (const TlsSetupError& e) {
    tls.Fail(e.key(), e.what());
  }
}

std::shared_ptr<const Authenticator> LoadUsers(const ConfigSection& users) {
  std::map<std::string, BcryptHash> hashes;
  for (const std::string& name : users.Keys()) {
    const std::string path = "basic_auth_users." + name;
    if (name.find(':') != std::string::npos) {
      users.FailAtKey(name, path +
                                ": a user name cannot contain ':' (HTTP "
                                "basic authentication separates the "
                                "password with it)");
    }
    // The value is a secret of sorts: errors describe it, never repeat it.
    auto hash = ParseBcryptHash(*users.String(name));
    if (!hash) {
      users.Fail(name, path +
                           ": not a bcrypt hash (expected $2a$, $2b$ or $2y$, "
                           "a cost, then 53 characters, as made by "
                           "`htpasswd -nBC 10 " +
                           name + "`)");
    }
    if (hash->cost > kMaxBcryptCost) {
      users.Fail(name, path + ": bcrypt cost " + std::to_string(hash->cost) +
                           " is above " + std::to_string(kMaxBcryptCost) +
                           " (each check would take many seconds)");
    }
    hashes.emplace(name, *hash);
  }
  if (hashes.empty()) return nullptr;
  return std::make_shared<BasicAuth>(std::move(hashes));
}

std::vector<std::pair<std::string, std::string>> LoadHeaders(
    const ConfigSection& http) {
  std::vector<std::pair<std::string, std::string>> out;
  (void)http.Bool("http2");  // Either way: this server speaks HTTP/1.1.
  if (auto headers = http.Section("headers")) {
    for (const std::string& name : headers->Keys()) {
      bool settable = false;
      for (const char* allowed : kSettableHeaders) {
        if (name == allowed) settable = true;
      }
      if (!settable) {
        headers->FailAtKey(name,
                           "http_server_config.headers: \"" + name +
                               "\" cannot be set (use Content-Security-Policy, "
                               "Strict-Transport-Security, X-Frame-Options, "
                               "X-Content-Type-Options or X-XSS-Protection)");
      }
      std::string value = *headers->String(name);
      for (char c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          headers->Fail(name, "http_server_config.headers." + name +
                                  ": control characters are not allowed");
        }
      }
      out.emplace_back(name, value);
    }
  }
  http.RejectUnknownKeys();
  return out;
}

}  // namespace

LoadedWebConfig LoadWebConfig(const std::string& yaml_text,
                              const std::string& file_name) {
  ConfigSection root = ParseConfigRoot(yaml_text, file_name);
  const std::filesystem::path folder =
      std::filesystem::path(file_name).parent_path();
  LoadedWebConfig loaded;
  loaded.files.push_back(file_name);
  auto security = std::make_shared<WebSecurity>();
  const auto tls = root.Section("tls_server_config");
  const auto http = root.Section("http_server_config");
  const auto users = root.Section("basic_auth_users");
  root.RejectUnknownKeys();
  if (tls) security->tls = LoadTls(*tls, folder, loaded.files);
  if (http) security->headers = LoadHeaders(*http);
  if (users) security->auth = LoadUsers(*users);
  loaded.security = std::move(security);
  return loaded;
}

LoadedWebConfig LoadWebConfigFile(const std::string& path) {
  return LoadWebConfig(ReadConfigFile(path, "web configuration file"), path);
}

void CheckWebConfigFile(const std::string& path) { LoadWebConfigFile(path); }

WebConfigWatcher::WebConfigWatcher(std::string path, Logger& logger,
                                   const Clock& clock,
                                   std::chrono::milliseconds check_interval)
    : path_(std::move(path)),
      logger_(logger),
      clock_(clock),
      check_interval_(check_interval) {
  LoadedWebConfig loaded = LoadWebConfigFile(path_);
  current_ = loaded.security;
  files_ = loaded.files;
  loaded_stamps_ = Stamp(files_);
  last_check_ = clock_.Now();
}

std::vector<WebConfigWatcher::FileStamp> WebConfigWatcher::Stamp(
    const std::vector<std::string>& files) {
  std::vector<FileStamp> stamps;
  for (const std::string& file : files) {
    FileStamp stamp{file, -1, -1};
    std::error_code error;
    auto modified = std::filesystem::last_write_time(file, error);
    if (!error) {
      stamp.modified = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           modified.time_since_epoch())
                           .count();
      auto size = std::filesystem::file_size(file, error);
      if (!error) stamp.size = static_cast<long long>(size);
    }
    stamps.push_back(stamp);
  }
  return stamps;
}

std::shared_ptr<const WebSecurity> WebConfigWatcher::Current() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.Now();
  if (now >= last_check_ && now - last_check_ < check_interval_) {
    return current_;
  }
  last_check_ = now;
  std::vector<FileStamp> stamps = Stamp(files_);
  if (stamps == loaded_stamps_ || stamps == failed_stamps_) return current_;
  try {
    LoadedWebConfig loaded = LoadWebConfigFile(path_);
    current_ = loaded.security;
    files_ = loaded.files;
    // Stamped after loading: a change during the load is seen next time.
    loaded_stamps_ = Stamp(files_);
    failed_stamps_.clear();
    logger_.Info("web configuration reloaded",
                 {{"file", path_},
                  {"tls", current_->tls ? "true" : "false"},
                  {"basic_auth", current_->auth ? "true" : "false"}});
  } catch (const ConfigError& e) {
    failed_stamps_ = stamps;
    logger_.Error(
        "cannot reload the web configuration; keeping the "
        "previous settings",
        {{"err", e.what()}});
  }
  return current_;
}

}  // namespace entra_pta

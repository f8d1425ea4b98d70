#include "exporter/daemon/health_check.h"

#include <curl/curl.h>

#include <chrono>
#include <ostream>
#include <string>
#include <utility>

#include "exporter/daemon/config.h"
#include "exporter/daemon/flag_split.h"
#include "exporter/util/duration.h"

namespace entra_pta {
namespace {

constexpr char kDefaultListenAddress[] = ":9847";
constexpr std::chrono::milliseconds kDefaultTimeout{5000};
constexpr std::chrono::milliseconds kMaxHealthCheckTimeout =
    std::chrono::minutes(10);

std::size_t DiscardBody(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

struct HealthCheckFlags {
  std::string listen_address = kDefaultListenAddress;
  std::chrono::milliseconds timeout = kDefaultTimeout;
};

// Returns an error message, or an empty string when the flags are valid.
std::string ParseHealthCheckFlags(const std::vector<std::string>& args,
                                  HealthCheckFlags& flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto [name, value] = SplitFlagArgument(args[i]);
    if (name != "--web.listen-address" && name != "--timeout") {
      return "unknown flag " + name +
             " (use --web.listen-address=ADDR, --timeout=DURATION)";
    }
    if (!value) {
      if (i + 1 >= args.size()) return "flag " + name + " needs a value";
      value = args[++i];
    }
    if (name == "--web.listen-address") {
      flags.listen_address = *value;
    } else {
      std::optional<std::chrono::milliseconds> timeout = ParseDuration(*value);
      if (!timeout || timeout->count() <= 0) {
        return "--timeout: invalid duration \"" + *value +
               "\" (e.g. 5s, 500ms)";
      }
      // A health check that waits longer is no check; the bound also keeps
      // the value inside curl's (32-bit on Windows) long.
      if (*timeout > kMaxHealthCheckTimeout) {
        return "--timeout: " + *value + " is too long (at most " +
               FormatDuration(kMaxHealthCheckTimeout) + ")";
      }
      flags.timeout = *timeout;
    }
  }
  return "";
}

}  // namespace

std::optional<std::string> HealthUrlForListenAddress(
    const std::string& listen_address) {
  std::optional<ListenAddress> address = ParseListenAddress(listen_address);
  if (!address || address->port <= 0) return std::nullopt;
  std::string host = address->host;
  if (address->ipv6) {
    // Appended: `literal + std::string&&` makes GCC 12 at -O3 warn
    // -Wrestrict inside libstdc++ (GCC bug 105651).
    std::string bracketed = "[";
    bracketed += host == "::" ? std::string("::1") : host;
    bracketed += ']';
    host = std::move(bracketed);
  } else if (host.empty() || host == "0.0.0.0") {
    host = "127.0.0.1";
  }
  return "http://" + host + ":" + std::to_string(address->port) + "/health";
}

int HealthCheckMain(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  HealthCheckFlags flags;
  if (std::string error = ParseHealthCheckFlags(args, flags); !error.empty()) {
    err << "entra_pta_exporter health-check: " << error << "\n";
    return 2;
  }
  std::optional<std::string> url =
      HealthUrlForListenAddress(flags.listen_address);
  if (!url) {
    err << "entra_pta_exporter health-check: --web.listen-address: invalid "
           "address \""
        << flags.listen_address << "\" (e.g. :9847, 127.0.0.1:9847)\n";
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    err << "entra_pta_exporter health-check: cannot initialise libcurl\n";
    return 1;
  }
  char error_buffer[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url->c_str());
  // The exporter is local: an http_proxy meant for the probes must not
  // carry the health check elsewhere.
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(flags.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &DiscardBody);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  CURLcode result = curl_easy_perform(curl);
  long status = 0;
  if (result == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_easy_cleanup(curl);
  if (result != CURLE_OK) {
    err << "unhealthy: " << *url << ": "
        << (error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(result))
        << "\n";
    return 1;
  }
  if (status != 200) {
    err << "unhealthy: " << *url << " answered HTTP " << status << "\n";
    return 1;
  }
  out << "healthy: " << *url << " answered HTTP 200\n";
  return 0;
}

}  // namespace entra_pta

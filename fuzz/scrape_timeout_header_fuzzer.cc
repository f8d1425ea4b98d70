// libFuzzer target: the X-Prometheus-Scrape-Timeout-Seconds header value
// and the scrape budget derived from it. Invariants: an accepted value is a
// positive finite number; the budget is within 0..max_timeout.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "exporter/daemon/scrape_runner.h"
#include "exporter/http/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  // The HTTP server hands over a NUL-terminated header value.
  const std::string value(reinterpret_cast<const char*>(data), size);
  const auto seconds = entra_pta::ParseScrapeTimeoutHeader(value.c_str());
  if (seconds && !(std::isfinite(*seconds) && *seconds > 0)) __builtin_trap();
  const entra_pta::ScrapeSettings settings;
  const auto budget = entra_pta::ScrapeBudget(seconds, settings);
  if (budget.count() < 0 || budget > settings.max_timeout) __builtin_trap();
  return 0;
}

// The landing page (`/`): what a person opening the exporter in a browser
// needs at a glance, rendered as HTML from the verdict engine's findings
// grouped into pillars (landing_page_model.h: each pillar with a state, each
// finding with its evidence, what it means, the first fix, the runbook
// section and the alert). This file holds no judgement of its own.
//
// The page only reads the last scrape of /metrics; opening it never runs a
// collector. Everything shown is HTML-escaped, URL user information and
// token- or secret-like values are blanked out (by the engine, and here for
// the collectors' errors and the build info), and the page has no script
// (the server's CSP forbids one) and says every state in words, not only in
// colour.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "exporter/sdk/collector_registration.h"
#include "exporter/sdk/collector_summary.h"
#include "exporter/verdict/text.h"
#include "exporter/views/landing_page_model.h"

namespace entra_pta {

struct LandingPageInfo {
  std::string version;
  std::string revision;
  std::string listen_address;
};

// The whole page (UTF-8 HTML, no script).
std::string LandingPageHtml(const std::vector<CollectorEntry>& table,
                            const std::vector<CollectorSummary>& summaries,
                            const LandingPageInfo& info,
                            std::chrono::system_clock::time_point now,
                            const LandingPageOptions& options = {});

// The scrubbing of secrets and the time formatting are the verdict
// engine's (exporter/verdict/text.h), named here for the page's callers.
using verdict::FormatAge;  // "12 min ago", "in the future"
using verdict::ScrubForDisplay;
// "2026-11-25 23:41:07 UTC".
inline std::string FormatUtc(std::chrono::system_clock::time_point t) {
  return verdict::FormatUtcSpaced(t);
}

}  // namespace entra_pta

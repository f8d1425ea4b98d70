// The landing page (`/`): what a person opening the exporter in a browser
// needs at a glance, rendered as HTML from the verdict layer's pillars
// (exporter/verdict/pillars.h: the collectors grouped into the pillars PTA
// depends on, each with a state and findings with what they mean and the
// first fix). This file holds no judgement of its own.
//
// The page only reads the last scrape of /metrics; opening it never runs a
// collector. Everything shown is HTML-escaped, URL user information and
// token- or secret-like values are blanked out, and the page has no script
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
#include "exporter/verdict/pillars.h"
#include "exporter/verdict/text.h"

namespace entra_pta {

// The page's types and judgement are the verdict layer's (pillars.h).
using verdict::CollectorReport;
using verdict::CollectorState;
using verdict::CollectorStateKey;
using verdict::CollectorStateLabel;
using verdict::PillarReport;
using verdict::PillarState;
using verdict::PillarStateKey;
using verdict::PillarStateLabel;
using Finding = verdict::PillarFinding;

// The pillars with their state, from the collector table (every collector,
// enabled or not), the runner's summaries (the enabled ones) and the time.
// A collector that is in no pillar lands in a last "Other collectors" one.
std::vector<PillarReport> AssessPillars(
    const std::vector<CollectorEntry>& table,
    const std::vector<CollectorSummary>& summaries,
    std::chrono::system_clock::time_point now);

struct LandingPageInfo {
  std::string version;
  std::string revision;
  std::string listen_address;
};

// The whole page (UTF-8 HTML, no script).
std::string LandingPageHtml(const std::vector<CollectorEntry>& table,
                            const std::vector<CollectorSummary>& summaries,
                            const LandingPageInfo& info,
                            std::chrono::system_clock::time_point now);

// The scrubbing of secrets and the time formatting are the verdict
// engine's (exporter/verdict/text.h), named here for the page's callers.
using verdict::FormatAge;  // "12 min ago", "in the future"
using verdict::ScrubForDisplay;
// "2026-11-25 23:41:07 UTC".
inline std::string FormatUtc(std::chrono::system_clock::time_point t) {
  return verdict::FormatUtcSpaced(t);
}

}  // namespace entra_pta

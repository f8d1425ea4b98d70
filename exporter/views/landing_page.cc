#include "exporter/views/landing_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "exporter/http/http_server.h"

namespace entra_pta {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

constexpr const char* kDocsBase =
    "https://github.com/entra-pta-exporter/entra-pta-exporter/blob/main/docs/";

// Escapes `text` for HTML; a span in backticks (a command or a setting, as
// the engine and the diagnose markdown write them) becomes <code>...</code>.
std::string RenderText(const std::string& text) {
  std::string out;
  bool in_code = false;
  std::string plain;
  auto flush = [&] {
    out += HtmlEscape(plain);
    plain.clear();
  };
  for (char c : text) {
    if (c != '`') {
      plain += c;
      continue;
    }
    flush();
    out += in_code ? "</code>" : "<code>";
    in_code = !in_code;
  }
  flush();
  if (in_code) out += "</code>";
  return out;
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, seconds < 10 ? "%.2f" : "%.0f", seconds);
  return buf;
}

// --- HTML
// ----------------------------------------------------------------------

constexpr const char* kStyle =
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',"
    "'DejaVu Sans',sans-serif;margin:0;color:#1f2328;background:#f6f8fa;"
    "line-height:1.45}"
    "header{background:#1f2937;color:#f9fafb;padding:1em 2em}"
    "header h1{margin:0 0 .2em;font-size:1.5em}"
    "header p{margin:.2em 0;color:#d1d5db}"
    "nav a{color:#93c5fd;margin-right:1.2em}"
    "main{max-width:72em;margin:0 auto;padding:1em 2em 3em}"
    "h2{margin:.2em 0 .4em;font-size:1.25em}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #d0d7de;padding:.45em .7em;text-align:left;"
    "vertical-align:top}"
    "th{background:#f0f3f6}"
    "code{font-family:ui-monospace,'DejaVu Sans Mono',Consolas,monospace;"
    "font-size:.9em;background:#eef1f4;padding:.05em .3em;border-radius:3px;"
    "overflow-wrap:anywhere}"
    ".badge{display:inline-block;min-width:6.5em;text-align:center;"
    "font-weight:700;font-size:.85em;padding:.15em .6em;border-radius:1em;"
    "border:1px solid}"
    ".badge.ok{background:#dafbe1;color:#0f5323;border-color:#4ac26b}"
    ".badge.warning{background:#fff8c5;color:#6b4400;border-color:#d4a72c}"
    ".badge.problem{background:#ffebe9;color:#8a0b1f;border-color:#ff8182}"
    ".badge.neutral{background:#eaeef2;color:#353c44;border-color:#afb8c1}"
    ".summary{font-size:1.1em;font-weight:600;margin:.6em 0}"
    ".pillar{background:#fff;border:1px solid #d0d7de;border-left-width:.5em;"
    "border-radius:6px;padding:1em 1.4em;margin:1.2em 0}"
    ".pillar.ok{border-left-color:#1a7f37}"
    ".pillar.warning{border-left-color:#bf8700}"
    ".pillar.problem{border-left-color:#cf222e}"
    ".pillar.neutral{border-left-color:#8c959f}"
    ".question{color:#59636e;margin:0 0 .6em}"
    ".findings{list-style:none;padding:0;margin:.6em 0}"
    ".finding{border:1px solid #d0d7de;border-radius:6px;padding:.5em .9em;"
    "margin:.5em 0}"
    ".finding.problem{background:#fff5f5}"
    ".finding.warning{background:#fffbe6}"
    ".finding p{margin:.25em 0}"
    ".notes{margin:.4em 0;padding-left:1.2em;color:#2d333b}"
    "table.collectors,table.overview{table-layout:fixed}"
    "table.collectors th:nth-child(1){width:26%}"
    "table.overview th:nth-child(1){width:11em}"
    "th:nth-child(2){width:14em}"
    "th:nth-child(3){width:14.5em}"
    ".error{color:#8a0b1f;overflow-wrap:anywhere}"
    ".muted{color:#59636e}"
    "footer{max-width:72em;margin:0 auto;padding:0 2em 2em;color:#59636e}";

bool IsNeutral(PillarState s) {
  return s == PillarState::kNotEnabled || s == PillarState::kUnsupported ||
         s == PillarState::kNotScrapedYet;
}

std::string Badge(PillarState state) {
  const std::string css = IsNeutral(state) ? "neutral" : PillarStateKey(state);
  return "<span class=\"badge " + css + "\">" +
         HtmlEscape(PillarStateLabel(state)) + "</span>";
}

std::string CollectorBadge(CollectorState state) {
  std::string css = "neutral";
  if (state == CollectorState::kOk) css = "ok";
  if (state == CollectorState::kFailed || state == CollectorState::kTimedOut) {
    css = "problem";
  }
  return "<span class=\"badge " + css + "\">" +
         HtmlEscape(CollectorStateLabel(state)) + "</span>";
}

std::string When(const std::optional<TimePoint>& t, TimePoint now) {
  if (!t) return "<span class=\"muted\">never</span>";
  return HtmlEscape(FormatUtc(*t)) + "<br><span class=\"muted\">" +
         HtmlEscape(FormatAge(*t, now)) + "</span>";
}

void RenderFinding(std::ostringstream& html, const Finding& f) {
  const char* level = f.problem ? "problem" : "warning";
  html << "<li class=\"finding " << level << "\" data-id=\"" << HtmlEscape(f.id)
       << "\"><p class=\"what\"><strong>"
       << (f.problem ? "Problem:" : "Warning:") << "</strong> "
       << RenderText(f.what) << "</p>";
  if (!f.evidence.empty()) {
    html << "<p class=\"evidence muted\">";
    for (std::size_t i = 0; i < f.evidence.size(); ++i) {
      html << (i == 0 ? "" : "; ") << RenderText(f.evidence[i]);
    }
    html << "</p>";
  }
  if (!f.meaning.empty()) {
    html << "<p class=\"meaning\"><strong>What it means:</strong> "
         << RenderText(f.meaning) << "</p>";
  }
  if (!f.first_fix.empty()) {
    html << "<p class=\"fix\"><strong>First fix:</strong> "
         << RenderText(f.first_fix);
    if (!f.runbook_anchor.empty()) {
      html << " <a href=\"" << kDocsBase << "runbooks.md#"
           << HtmlEscape(f.runbook_anchor) << "\">Runbook</a>";
    }
    html << "</p>";
  }
  if (!f.alert_name.empty()) {
    html << "<p class=\"alert muted\">Alert: <code>" << HtmlEscape(f.alert_name)
         << "</code></p>";
  }
  html << "</li>\n";
}

void RenderPillar(std::ostringstream& html, const PillarReport& p,
                  TimePoint now) {
  const std::string key = PillarStateKey(p.state);
  const std::string css = IsNeutral(p.state) ? "neutral" : key;
  html << "<section class=\"pillar " << css << "\" id=\"pillar-"
       << HtmlEscape(p.key) << "\" data-state=\"" << key
       << "\" aria-labelledby=\"title-" << HtmlEscape(p.key)
       << "\">\n<h2 id=\"title-" << HtmlEscape(p.key) << "\">"
       << HtmlEscape(p.title) << " " << Badge(p.state)
       << "</h2>\n<p class=\"question\">" << HtmlEscape(p.question) << "</p>\n";
  if (p.state == PillarState::kNotEnabled ||
      p.state == PillarState::kUnsupported ||
      p.state == PillarState::kNotScrapedYet) {
    html << "<p class=\"headline\">" << RenderText(p.headline) << "</p>\n";
  }
  if (p.last_scrape) {
    html << "<p class=\"last-scrape muted\">Last scrape: "
         << HtmlEscape(FormatUtc(*p.last_scrape)) << " ("
         << HtmlEscape(FormatAge(*p.last_scrape, now)) << ")</p>\n";
  }
  if (!p.findings.empty()) {
    html << "<ul class=\"findings\">\n";
    for (const Finding& f : p.findings) RenderFinding(html, f);
    html << "</ul>\n";
  }
  if (!p.notes.empty()) {
    html << "<ul class=\"notes\">";
    for (const std::string& note : p.notes) {
      html << "<li>" << RenderText(note) << "</li>";
    }
    html << "</ul>\n";
  }
  html << "<table class=\"collectors\"><thead><tr><th>Collector</th>"
          "<th>State</th><th>Last run</th><th>Last error</th></tr></thead>"
          "<tbody>\n";
  for (const CollectorReport& c : p.collectors) {
    html << "<tr id=\"collector-" << HtmlEscape(c.name) << "\" data-state=\""
         << CollectorStateKey(c.state) << "\"><td><code>" << HtmlEscape(c.name)
         << "</code><br><span class=\"muted\">" << HtmlEscape(c.description)
         << "</span></td><td>" << CollectorBadge(c.state) << "</td><td>";
    if (c.finished_at) {
      html << When(c.finished_at, now) << "<br><span class=\"muted\">took "
           << HtmlEscape(FormatSeconds(c.duration_seconds)) << " s</span>";
    } else if (c.state == CollectorState::kNotEnabled) {
      html << "<span class=\"muted\">disabled: set <code>collectors."
           << HtmlEscape(c.name) << ".enabled: true</code></span>";
    } else {
      html << "<span class=\"muted\">not run yet</span>";
    }
    html << "</td><td>";
    if (!c.error.empty()) {
      html << "<span class=\"error\">" << HtmlEscape(c.error) << "</span>";
      if (c.state == CollectorState::kUnsupported) {
        html << "<br><span class=\"muted\">" << RenderText(c.first_fix)
             << "</span>";
      }
    } else {
      html << "<span class=\"muted\">none</span>";
    }
    html << "</td></tr>\n";
  }
  html << "</tbody></table>\n</section>\n";
}

}  // namespace

std::string LandingPageHtml(const std::vector<CollectorEntry>& table,
                            const std::vector<CollectorSummary>& summaries,
                            const LandingPageInfo& info, TimePoint now,
                            const LandingPageOptions& options) {
  const std::vector<PillarReport> pillars =
      AssessPillars(table, summaries, now, options);
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\"><title>Entra PTA Exporter</title><style>"
       << kStyle << "</style></head><body>\n<header><h1>Entra PTA Exporter</h1>"
       << "<p>Prometheus exporter for Microsoft Entra ID Pass-through "
          "Authentication agents. Version "
       << HtmlEscape(ScrubForDisplay(info.version)) << " (revision "
       << HtmlEscape(ScrubForDisplay(info.revision)) << "), listening on "
       << HtmlEscape(ScrubForDisplay(info.listen_address))
       << ". Page generated " << HtmlEscape(FormatUtc(now))
       << ".</p>\n<nav aria-label=\"Links\">"
       << "<a href=\"/metrics\">/metrics</a><a href=\"/health\">/health</a>"
          "<a href=\"/version\">/version</a>"
       << "<a href=\"" << kDocsBase << "runbooks.md\">Runbooks</a>"
       << "<a href=\"" << kDocsBase << "metrics.md\">Metrics reference</a>"
       << "<a href=\"" << kDocsBase
       << "configuration.md\">Configuration</a></nav></header>\n<main>\n";

  int attention = 0;
  for (const PillarReport& p : pillars) {
    if (p.state == PillarState::kProblem || p.state == PillarState::kWarning) {
      ++attention;
    }
  }
  html << "<section id=\"overview\" aria-labelledby=\"overview-title\">"
          "<h2 id=\"overview-title\">At a glance</h2>\n<p class=\"summary\" "
          "id=\"summary\">";
  auto any = [&](PillarState state) {
    return std::any_of(pillars.begin(), pillars.end(),
                       [&](const PillarReport& p) { return p.state == state; });
  };
  if (attention == 0 && any(PillarState::kOk)) {
    html << "No problem found in the last scrape.";
  } else if (attention == 0 && any(PillarState::kNotScrapedYet)) {
    html << "Nothing scraped yet: the state appears after the next scrape of "
            "/metrics.";
  } else if (attention == 0) {
    html << "No collector that can run here is enabled.";
  } else {
    html << attention << (attention == 1 ? " pillar needs" : " pillars need")
         << " attention.";
  }
  html << "</p>\n<table class=\"overview\"><thead><tr><th>Pillar</th>"
          "<th>State</th><th>Last scrape</th><th>In short</th></tr></thead>"
          "<tbody>\n";
  for (const PillarReport& p : pillars) {
    html << "<tr id=\"overview-" << HtmlEscape(p.key) << "\" data-state=\""
         << PillarStateKey(p.state) << "\"><td><a href=\"#pillar-"
         << HtmlEscape(p.key) << "\">" << HtmlEscape(p.title) << "</a></td><td>"
         << Badge(p.state) << "</td><td>" << When(p.last_scrape, now)
         << "</td><td>" << RenderText(p.headline) << "</td></tr>\n";
  }
  html << "</tbody></table>\n<p class=\"muted\">This page shows the outcome "
          "of the last scrape of <a href=\"/metrics\">/metrics</a>; opening "
          "it runs no check. Reload it after Prometheus's next scrape.</p>"
          "\n</section>\n";
  for (const PillarReport& p : pillars) RenderPillar(html, p, now);
  html << "</main>\n<footer>Alerts and their runbooks: "
          "<code>alerts/entra-pta.rules.yml</code>, <a href=\""
       << kDocsBase << "runbooks.md\">docs/runbooks.md</a>.</footer>\n"
       << "</body></html>\n";
  return html.str();
}

}  // namespace entra_pta

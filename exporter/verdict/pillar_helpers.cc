// The page's text helpers and the reader of the last scrape's families.
#include <algorithm>

#include "exporter/verdict/pillar_assess.h"
#include "exporter/verdict/text.h"

namespace entra_pta::verdict::page {

// --- Text helpers ----------------------------------------------------------

// Dynamic text (from metrics, errors, configuration): scrubbed, and unable
// to open or close a code span because control characters are gone.
std::string D(const std::string& text) { return ScrubForDisplay(text); }

// A command or setting, shown as code.
std::string Code(const std::string& text) {
  return std::string(1, kCodeOpen) + text + std::string(1, kCodeClose);
}

// Appended rather than `"\"" + D(text)`: GCC 12 at -O3 warns -Wrestrict
// inside libstdc++ for a literal + a temporary string (GCC bug 105651).
std::string Quoted(const std::string& text) {
  std::string quoted = "\"";
  quoted += D(text);
  quoted += '"';
  return quoted;
}

// Escapes `text` for HTML; \x01...\x02 become <code>...</code>.
HostPort UrlHostPort(const std::string& url) {
  HostPort out;
  std::size_t scheme_end = url.find("://");
  std::string scheme =
      scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  std::size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  if (std::size_t at = authority.rfind('@'); at != std::string::npos) {
    authority = authority.substr(at + 1);
  }
  std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos &&
      authority.find(']', colon) == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
    out.port = scheme == "http" ? "80" : "443";
  }
  return out;
}

PillarFinding MakeFinding(bool problem, std::string what, std::string meaning,
                          std::string first_fix, std::string runbook_anchor,
                          std::string failed_collector) {
  PillarFinding finding;
  finding.problem = problem;
  finding.what = std::move(what);
  finding.meaning = std::move(meaning);
  finding.first_fix = std::move(first_fix);
  finding.runbook_anchor = std::move(runbook_anchor);
  finding.failed_collector = std::move(failed_collector);
  return finding;
}

}  // namespace entra_pta::verdict::page

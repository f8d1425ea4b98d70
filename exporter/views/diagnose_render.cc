#include "exporter/views/diagnose_render.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "exporter/sdk/clock.h"
#include "exporter/verdict/text.h"

namespace entra_pta::diagnose {
namespace {

constexpr int kSchemaVersion = 1;

constexpr char kExitStatusNote[] =
    "Exit status: 0 no warning or failure (SKIP does not count), 1 warnings, "
    "2 failures; a configuration or flag error also exits 2 but prints no "
    "report.";

std::string Colour(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "\033[32m";
    case Verdict::kWarn:
      return "\033[33m";
    case Verdict::kFail:
      return "\033[1;31m";
    case Verdict::kSkip:
      return "\033[36m";
  }
  return "";
}

std::string Tag(Verdict verdict, bool colour) {
  // Appended: `literal + std::string&&` makes GCC 12 at -O3 warn -Wrestrict
  // inside libstdc++ (GCC bug 105651).
  std::string tag = "[";
  tag += VerdictName(verdict);
  tag += ']';
  return colour ? Colour(verdict) + tag + "\033[0m" : tag;
}

std::string Counts(const Report& report) {
  std::string out;
  for (Verdict v :
       {Verdict::kFail, Verdict::kWarn, Verdict::kPass, Verdict::kSkip}) {
    auto it = report.counts.find(v);
    out += (out.empty() ? "" : ", ") +
           std::to_string(it == report.counts.end() ? 0 : it->second) + " " +
           std::string(VerdictName(v));
  }
  return out;
}

std::string Since(const Report& report) {
  return verdict::HumanDuration(static_cast<double>(report.since.count()));
}

bool ShowDetails(const Check& check) {
  return check.verdict == Verdict::kWarn || check.verdict == Verdict::kFail;
}

std::string MarkdownEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '*' || c == '_' || c == '<' || c == '>' || c == '[' ||
        c == ']' || c == '|' || c == '#') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// Markdown text with `code spans` kept as written (their content is not
// interpreted, so it is not escaped either).
std::string MarkdownInline(const std::string& text) {
  std::string out;
  bool in_code = false;
  std::string run;
  for (char c : text) {
    if (c == '`') {
      out += in_code ? run : MarkdownEscape(run);
      out += c;
      run.clear();
      in_code = !in_code;
    } else {
      run += c;
    }
  }
  out += in_code ? run : MarkdownEscape(run);
  return out;
}

}  // namespace

std::string RenderText(const Report& report, bool colour) {
  std::ostringstream out;
  const std::string bold = colour ? "\033[1m" : "";
  const std::string reset = colour ? "\033[0m" : "";
  out << bold << "entra_pta_exporter diagnose: "
      << (report.overall == Verdict::kSkip ? "nothing checked"
                                           : VerdictName(report.overall))
      << reset << " (exit status " << ExitStatus(report) << ")\n"
      << "Generated "
      << verdict::FormatUtcIso(ToUnixSeconds(report.generated_at))
      << "; events from the last " << Since(report) << ".\n"
      << "Checks: " << Counts(report) << ".\n";
  for (const Section& section : report.sections) {
    out << "\n"
        << bold << section.number << ". " << section.title << reset << "\n";
    for (const Check& check : section.checks) {
      out << "  " << Tag(check.verdict, colour) << " " << check.name << ": "
          << check.summary << "\n";
      const std::string indent = "         ";
      if (ShowDetails(check)) {
        for (const std::string& line : check.evidence) {
          out << indent << "- " << line << "\n";
        }
      }
      if (check.verdict != Verdict::kPass) {
        for (std::size_t i = 0; i < check.fix.size(); ++i) {
          out << indent << (i == 0 ? "fix: " : "     ") << check.fix[i] << "\n";
        }
      }
      if (ShowDetails(check) && !check.alert.empty()) {
        out << indent << "alert: " << check.alert << "\n";
      }
    }
  }
  out << "\n" << kExitStatusNote << "\n";
  return out.str();
}

std::string RenderJson(const Report& report) {
  nlohmann::ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["result"] = VerdictJsonName(report.overall);
  j["exit_status"] = ExitStatus(report);
  j["generated_at"] = verdict::FormatUtcIso(ToUnixSeconds(report.generated_at));
  j["events_since_seconds"] = report.since.count();
  nlohmann::ordered_json counts = nlohmann::ordered_json::object();
  for (Verdict v :
       {Verdict::kPass, Verdict::kWarn, Verdict::kFail, Verdict::kSkip}) {
    auto it = report.counts.find(v);
    counts[std::string(VerdictJsonName(v))] =
        it == report.counts.end() ? 0 : it->second;
  }
  j["counts"] = counts;
  nlohmann::ordered_json sections = nlohmann::ordered_json::array();
  for (const Section& section : report.sections) {
    nlohmann::ordered_json s;
    s["number"] = section.number;
    s["id"] = section.id;
    s["title"] = section.title;
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const Check& check : section.checks) {
      nlohmann::ordered_json c;
      c["id"] = check.id;
      c["name"] = check.name;
      c["verdict"] = VerdictJsonName(check.verdict);
      c["summary"] = check.summary;
      c["evidence"] = check.evidence;
      c["fix"] = check.verdict == Verdict::kPass ? std::vector<std::string>{}
                                                 : check.fix;
      c["alert"] = check.alert;
      checks.push_back(std::move(c));
    }
    s["checks"] = std::move(checks);
    sections.push_back(std::move(s));
  }
  j["sections"] = std::move(sections);
  return j.dump(2) + "\n";
}

std::string RenderMarkdown(const Report& report) {
  std::ostringstream out;
  out << "# entra_pta_exporter diagnose: "
      << (report.overall == Verdict::kSkip ? "nothing checked"
                                           : VerdictName(report.overall))
      << "\n\n"
      << "Generated "
      << verdict::FormatUtcIso(ToUnixSeconds(report.generated_at))
      << "; events from the last " << Since(report) << ". Exit status "
      << ExitStatus(report) << ". Checks: " << Counts(report) << ".\n";
  for (const Section& section : report.sections) {
    out << "\n## " << section.number << ". " << MarkdownEscape(section.title)
        << "\n\n";
    for (const Check& check : section.checks) {
      out << "- **" << VerdictName(check.verdict) << "** "
          << MarkdownEscape(check.name) << ": " << MarkdownInline(check.summary)
          << "\n";
      if (ShowDetails(check)) {
        for (const std::string& line : check.evidence) {
          out << "  - " << MarkdownInline(line) << "\n";
        }
      }
      if (check.verdict != Verdict::kPass) {
        for (const std::string& line : check.fix) {
          out << "  - Fix: " << MarkdownInline(line) << "\n";
        }
      }
      if (ShowDetails(check) && !check.alert.empty()) {
        out << "  - Alert: " << check.alert << "\n";
      }
    }
  }
  out << "\n" << MarkdownEscape(kExitStatusNote) << "\n";
  return out.str();
}

std::string RenderConfigErrorJson(const ConfigError* error,
                                  const std::string& message) {
  nlohmann::ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["result"] = "config_error";
  j["exit_status"] = 2;
  nlohmann::ordered_json e;
  e["message"] = message;
  if (error != nullptr) {
    e["file"] = error->file();
    e["line"] = error->line();
    e["column"] = error->column();
  }
  j["error"] = std::move(e);
  return j.dump(2) + "\n";
}

}  // namespace entra_pta::diagnose

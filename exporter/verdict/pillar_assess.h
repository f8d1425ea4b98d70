// Inside the landing page's judgement (pillars.h): the text helpers, the
// reader of the last scrape's families and the assessor of each pillar.
// Not for the views.
// Thread-safety: pure functions; Families borrows the families.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exporter/verdict/metric_view.h"
#include "exporter/verdict/pillars.h"

namespace entra_pta::verdict::page {

using TimePoint = std::chrono::system_clock::time_point;

// Dynamic text (from metrics, errors, configuration): scrubbed, and unable
// to open or close a code span because control characters are gone.
std::string D(const std::string& text);
// A command or setting, shown as code.
std::string Code(const std::string& text);
// `text` scrubbed, in double quotes.
std::string Quoted(const std::string& text);

// Host and port of an "scheme://host[:port]/..." URL, for the fix commands.
struct HostPort {
  std::string host;
  std::string port;
};
HostPort UrlHostPort(const std::string& url);

// --- Reading the last scrape's families ------------------------------------

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
  std::string Label(const std::string& name) const {
    auto it = labels.find(name);
    return it == labels.end() ? std::string() : it->second;
  }
};

class Families {
 public:
  void Add(const CollectorInput* summary) {
    if (summary == nullptr || !summary->families) return;
    for (const auto& family : *summary->families) families_.push_back(&family);
  }

  std::vector<Sample> Get(const std::string& name) const {
    std::vector<Sample> out;
    for (const verdict::Sample& read : MetricView(families_).All(name)) {
      Sample sample;
      for (const auto& label : read.metric->label) {
        sample.labels[label.name] = label.value;
      }
      sample.value = read.value;
      out.push_back(std::move(sample));
    }
    return out;
  }

  // The value of the sample whose labels include every one given.
  std::optional<double> Value(
      const std::string& name,
      const std::map<std::string, std::string>& labels = {}) const {
    return MetricView(families_).One(name, labels);
  }

 private:
  std::vector<const prometheus::MetricFamily*> families_;
};

PillarFinding MakeFinding(bool problem, std::string what, std::string meaning,
                          std::string first_fix, std::string runbook_anchor,
                          std::string failed_collector = "");

std::string PortName(const std::string& port);

void AssessNetwork(const Families& f, TimePoint now, PillarReport& pillar);
void AssessCloud(const Families& f, TimePoint now, PillarReport& pillar);
void AssessHeartbeat(const Families& f, PillarReport& pillar);
void AssessServices(const Families& f, PillarReport& pillar);
void AssessEvents(const Families& f, TimePoint now, PillarReport& pillar);
void AssessAgentFiles(const Families& f, TimePoint now, PillarReport& pillar);
void AssessDomainControllers(const Families& f, PillarReport& pillar);

}  // namespace entra_pta::verdict::page

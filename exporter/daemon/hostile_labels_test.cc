// Attacker-influenced strings that end up in label values (certificate
// subject and issuer names from whatever a server or an SSL-inspecting proxy
// presents, machine names from Graph, event provider names from the event
// log, a proxy address from the agent's .exe.config) pushed through the real
// collectors' metric builders and prometheus-cpp's TextSerializer. The
// exposition must stay valid: parsed back line by line here (every label
// value well-formed UTF-8 with only \\, \" and \n escapes, and equal to what
// went in, ill-formed bytes shown as U+FFFD) and checked with the real
// `promtool check metrics` (Debian package prometheus).
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "collectors/cloud/cloud_collector.h"
#include "collectors/cloud/testing/fake_http_client.h"
#include "collectors/endpoint/endpoint_collector.h"
#include "collectors/eventlog/event_xml.h"
#include "collectors/eventlog/eventlog_collector.h"
#include "collectors/eventlog/testing/fake_event_source.h"
#include "collectors/probe/testing/test_pki.h"
#include "collectors/tls/cert_facts.h"
#include "collectors/tls/tls_collector.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/util/utf8.h"

namespace entra_pta {
namespace {

namespace fs = std::filesystem;

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
};

// Parses the text exposition format strictly enough to catch anything a
// hostile label value could break; fails the test with the line otherwise.
std::vector<Sample> ParseExposition(const std::string& text) {
  std::vector<Sample> samples;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  const auto is_name_char = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':' || (!first && c >= '0' && c <= '9');
  };
  while (std::getline(in, line)) {
    ++number;
    const std::string where = "line " + std::to_string(number) + ": " + line;
    EXPECT_TRUE(IsValidUtf8(line)) << where;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      continue;
    }
    EXPECT_FALSE(line.empty() || line[0] == '#') << where;
    Sample sample;
    std::size_t pos = 0;
    while (pos < line.size() && is_name_char(line[pos], pos == 0)) ++pos;
    EXPECT_GT(pos, 0u) << where;
    sample.name = line.substr(0, pos);
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        const std::size_t name_start = pos;
        while (pos < line.size() &&
               is_name_char(line[pos], pos == name_start)) {
          ++pos;
        }
        const std::string label = line.substr(name_start, pos - name_start);
        if (label.empty() || line.compare(pos, 2, "=\"") != 0) {
          ADD_FAILURE() << "bad label name at " << pos << " in " << where;
          return samples;
        }
        pos += 2;
        std::string value;
        bool closed = false;
        while (pos < line.size()) {
          const char c = line[pos++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c != '\\') {
            value += c;
            continue;
          }
          const char escaped = pos < line.size() ? line[pos++] : '\0';
          if (escaped == '\\' || escaped == '"') {
            value += escaped;
          } else if (escaped == 'n') {
            value += '\n';
          } else {
            ADD_FAILURE() << "bad escape in " << where;
            return samples;
          }
        }
        if (!closed) {
          ADD_FAILURE() << "unterminated label value in " << where;
          return samples;
        }
        EXPECT_TRUE(IsValidUtf8(value)) << where;
        EXPECT_FALSE(sample.labels.count(label)) << where;
        sample.labels[label] = value;
        if (pos < line.size() && line[pos] == ',') ++pos;
      }
      EXPECT_LT(pos, line.size()) << where;
      ++pos;  // '}'
    }
    EXPECT_TRUE(pos < line.size() && line[pos] == ' ') << where;
    const std::string value = line.substr(pos + 1);
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    const bool special = value == "+Inf" || value == "-Inf" || value == "NaN";
    EXPECT_TRUE(special || (!value.empty() && *end == '\0')) << where;
    samples.push_back(std::move(sample));
  }
  return samples;
}

// The strings a hostile peer would try: quotes, backslashes, newlines,
// NUL and other controls, ill-formed UTF-8, surrogates, and valid
// multi-byte UTF-8 that must come through untouched.
const std::vector<std::string>& HostileStrings() {
  static const std::vector<std::string> strings = {
      "quote\" end",
      "back\\slash\\",
      "new\nline\r\n",
      std::string("nul\0byte", 8),
      "tab\tbell\a\x7f",
      "bad \xff\xfe utf8 \xc3",
      "surrogate \xed\xa0\x80 overlong \xc0\xaf",
      "valid \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
      "} 1\nfake_metric{a=\"b\"} 2",
      "# HELP injected",
  };
  return strings;
}

// A certificate whose subject CN is exactly `cn` bytes, whatever they are:
// a placeholder of the same length is issued, then patched in the DER (the
// tls collector reads names, it does not check this signature).
std::string CertWithCommonName(const std::string& cn) {
  probe::testing::CertSpec spec;
  spec.common_name = std::string(cn.size(), 'Q');
  const std::string der = probe::testing::MakeCert(spec, nullptr).der();
  const std::string placeholder =
      std::string("\x0c") + static_cast<char>(cn.size()) + spec.common_name;
  std::string patched = der;
  std::size_t at = 0;
  int patched_count = 0;
  while ((at = patched.find(placeholder, at)) != std::string::npos) {
    patched.replace(at + 2, cn.size(), cn);  // issuer and subject
    at += placeholder.size();
    ++patched_count;
  }
  EXPECT_EQ(patched_count, 2);
  return patched;
}

// Lints the exposition with the real promtool; returns its findings.
std::string Promtool(const std::string& exposition) {
  const fs::path dir =
      fs::temp_directory_path() /
      ("entra-pta-hostile-labels-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "metrics.txt";
  const fs::path findings = dir / "promtool.txt";
  std::ofstream(file, std::ios::binary) << exposition;
  const std::string command = "promtool check metrics < '" + file.string() +
                              "' > '" + findings.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(findings);
  std::ostringstream text;
  text << in.rdbuf();
  fs::remove_all(dir);
  return status == 0 ? text.str()
                     : "exit " + std::to_string(status) + ": " + text.str();
}

// Every expected label value is found exactly as sanitized.
void ExpectLabelValues(const std::vector<Sample>& samples,
                       const std::string& metric, const std::string& label,
                       const std::vector<std::string>& expected) {
  std::set<std::string> found;
  for (const Sample& sample : samples) {
    if (sample.name != metric) continue;
    auto it = sample.labels.find(label);
    if (it != sample.labels.end()) found.insert(it->second);
  }
  for (const std::string& value : expected) {
    std::string have;
    for (const std::string& f : found) have += "\n  [" + f + "]";
    EXPECT_TRUE(found.count(value)) << metric << "{" << label << "} lacks \""
                                    << value << "\"; has:" << have;
  }
}

// `name` as an XML attribute value between single quotes, control
// characters as character references.
std::string XmlAttributeEscape(const std::string& name) {
  std::string escaped;
  for (char c : name) {
    if (c == '\'') {
      escaped += "&apos;";
    } else if (c == '<') {
      escaped += "&lt;";
    } else if (c == '&') {
      escaped += "&amp;";
    } else if (static_cast<unsigned char>(c) < 0x20 && c != '\0') {
      escaped += "&#" + std::to_string(static_cast<int>(c)) + ";";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// tls: certificates with hostile subject and issuer names; `expected` gets
// the names as the tls collector reads them.
void AddHostileCertificateNames(std::vector<prometheus::MetricFamily>& families,
                                std::vector<std::string>& expected) {
  probe::ProbeRound round;
  std::string error;
  int index = 0;
  for (const std::string& name : HostileStrings()) {
    probe::ProbeRequest request{
        *probe::ParseTargetUrl("tls" + std::to_string(index++),
                               "https://login.example/", &error),
        ""};
    probe::ProbeResult result;
    result.tls.handshake_done = true;
    result.tls.version = "TLSv1.3";
    result.tls.chain_der = {CertWithCommonName(name)};
    // OpenSSL refuses to parse some ill-formed names at all; those that
    // parse must show up as the tls collector reads them.
    if (auto facts = tls::ReadCertFacts(result.tls.chain_der[0])) {
      expected.push_back(facts->subject);
    }
    round.requests.push_back(request);
    round.results.push_back(result);
  }
  tls::CertFactsCache cache;
  tls::AppendTlsFamilies(tls::DefaultAllowList(), round, cache, families);
}

// endpoint: a proxy address as the agent's .exe.config may hold it.
void AddHostileProxyAddresses(std::vector<prometheus::MetricFamily>& families) {
  probe::ProbeRound round;
  std::string error;
  int index = 0;
  for (const std::string& text : HostileStrings()) {
    round.requests.push_back(
        {*probe::ParseTargetUrl("proxy" + std::to_string(index++),
                                "https://login.example/", &error),
         "http://" + text + "@proxy.example:3128/" + text});
    probe::ProbeResult result;
    result.failure = probe::FailureReason::kConnectRefused;
    round.results.push_back(result);
  }
  endpoint::AppendEndpointFamilies(round, families);
}

// eventlog: hostile provider names, raw and as XML character references;
// `expected` gets those the parser accepts, as they must show up.
void AddHostileEventProviders(const fs::path& dir, const Clock& clock,
                              const ScrapeContext& context,
                              std::vector<prometheus::MetricFamily>& families,
                              std::vector<std::string>& expected) {
  eventlog::EventlogSettings settings;
  settings.state_dir = (dir / "state").string();
  auto source = std::make_unique<eventlog::testing::FakeEventSource>();
  auto* events = &source->channels[settings.channels[0]];
  eventlog::EventlogCollector collector(settings, std::move(source), true,
                                        clock, nullptr);
  std::vector<prometheus::MetricFamily> ignored;
  ASSERT_TRUE(collector.Collect(context, ignored).ok());
  const double later = ToUnixSeconds(clock.Now()) + 1;
  std::vector<std::string> providers;
  for (const std::string& name : HostileStrings()) {
    providers.push_back(XmlAttributeEscape(name));
  }
  providers.push_back("ref &#xD800; &#x110000; &#0; &#xFFFE;");
  for (const std::string& provider : providers) {
    const std::string xml = "<Event><System><Provider Name='" + provider +
                            "'/><EventID>31019</EventID><Level>2</Level>"
                            "<TimeCreated SystemTime='" +
                            eventlog::FormatSystemTime(later) +
                            "'/></System></Event>";
    // Those the parser accepts must show up (sanitized); the others are
    // counted as unparsable.
    const auto parsed = eventlog::ParseRenderedEvent(xml);
    if (parsed.ok()) expected.push_back(ToValidUtf8(parsed->provider));
    events->push_back({xml, later});
  }
  ASSERT_TRUE(collector.Collect(context, families).ok());
}

// cloud: hostile machine names from Graph (JSON escapes; JSON itself is
// valid UTF-8, so these are controls, quotes and non-characters).
void AddHostileMachineNames(const Clock& clock, SignOfLifeTimes& signals,
                            const ScrapeContext& context,
                            std::vector<prometheus::MetricFamily>& families) {
  const fs::path cloud_dir =
      fs::temp_directory_path() /
      ("entra-pta-hostile-cloud-" + std::to_string(::getpid()));
  fs::remove_all(cloud_dir);
  cloud::CloudSettings settings;
  settings.graph.tenant_id = "11111111-2222-3333-4444-555555555555";
  settings.graph.client_id = "99999999-0000-0000-0000-000000000000";
  settings.graph.authority_url = "https://login.test";
  settings.graph.graph_url = "https://graph.test";
  settings.graph.state_file = (cloud_dir / "state.json").string();
  settings.machine_name = "pta01";
  cloud::CloudState state;
  state.refresh_token = cloud::ProtectSecret("RT").value();
  ASSERT_TRUE(cloud::SaveCloudState(settings.graph.state_file, state).ok());
  const std::string agents =
      R"({"id":"a1","machineName":"quote\" back\\ nl\n cr\r nul\u0000 end","status":"active"},)"
      R"({"id":"a2\"\n","machineName":"\ud83d\ude00 \u2028 \uffff","status":"inactive\n"},)"
      R"({"id":"a3","machineName":"} 1\n# TYPE x counter","status":"active"})";
  const std::string page =
      R"({"value":[{"id":"g1","agents":[)" + agents + "]}]}";
  auto answer = [page](const cloud::HttpRequest& request) {
    if (request.url.find("/oauth2/v2.0/token") != std::string::npos) {
      return cloud::testing::Answer(
          200,
          R"({"token_type":"Bearer","expires_in":3600,"access_token":"AT"})");
    }
    return cloud::testing::Answer(200, page);
  };
  cloud::CloudCollector collector(
      settings,
      [answer](const std::atomic<bool>*) {
        return std::make_unique<cloud::testing::FakeHttpClient>(answer);
      },
      clock, &signals, /*background=*/false);
  collector.RefreshNow();
  ASSERT_TRUE(collector.Collect(context, families).ok());
  fs::remove_all(cloud_dir);
}

TEST(HostileLabelsTest, ExpositionStaysValid) {
  std::vector<prometheus::MetricFamily> families;
  std::vector<std::string> expected_names;
  AddHostileCertificateNames(families, expected_names);
  AddHostileProxyAddresses(families);
  std::vector<std::string> expected_providers;
  const fs::path dir =
      fs::temp_directory_path() /
      ("entra-pta-hostile-eventlog-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  testing::FakeClock clock;
  SignOfLifeTimes signals;
  ScrapeContext context{std::chrono::steady_clock::now() +
                        std::chrono::seconds(10)};
  AddHostileEventProviders(dir, clock, context, families, expected_providers);
  fs::remove_all(dir);
  AddHostileMachineNames(clock, signals, context, families);

  const std::string exposition =
      prometheus::TextSerializer().Serialize(families);
  const std::vector<Sample> samples = ParseExposition(exposition);
  EXPECT_GT(samples.size(), 40u);

  EXPECT_GE(expected_names.size(), HostileStrings().size() - 2);
  for (const std::string& name : expected_names) {
    EXPECT_TRUE(IsValidUtf8(name)) << name;
    EXPECT_EQ(name.find_first_of("\n\r"), std::string::npos) << name;
  }
  ExpectLabelValues(samples, "entra_pta_tls_cert_info", "subject",
                    expected_names);
  ExpectLabelValues(samples, "entra_pta_tls_cert_info", "issuer",
                    expected_names);
  ExpectLabelValues(
      samples, "entra_pta_cloud_agent_active", "machine_name",
      {"quote\" back\\ nl\n cr\r nul" + std::string(1, '\0') + " end",
       "\xf0\x9f\x98\x80 \xe2\x80\xa8 \xef\xbf\xbf"});
  // expat holds to XML 1.0: a raw NUL, invalid UTF-8 and &#7; make the
  // event unparsable (EvtRender never produces them), the rest must pass.
  EXPECT_GE(expected_providers.size(), HostileStrings().size() - 4);
  ExpectLabelValues(samples, "entra_pta_events_total", "provider",
                    expected_providers);

  const std::string findings = Promtool(exposition);
  EXPECT_EQ(findings, "") << exposition;
}

}  // namespace
}  // namespace entra_pta

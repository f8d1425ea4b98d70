#include "collectors/tls/issuer_allow_list.h"

#include <algorithm>
#include <cctype>

#include "exporter/util/ascii.h"

namespace entra_pta::tls {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return EqualsIgnoreAsciiCase(n, name);
  });
}

bool Allowed(const std::vector<std::string>& names,
             const std::vector<std::string>& fingerprints,
             const std::string& name, const std::string& fingerprint) {
  if (!name.empty() && Contains(names, name)) return true;
  return !fingerprint.empty() &&
         std::find(fingerprints.begin(), fingerprints.end(), fingerprint) !=
             fingerprints.end();
}

bool HasFingerprintPrefix(const std::string& text) {
  return StartsWithIgnoreAsciiCase(text, "sha256:");
}

void ParseList(const ConfigSection& section, const std::string& key,
               std::vector<std::string>& names,
               std::vector<std::string>& fingerprints) {
  auto items = section.StringList(
      key, [](const std::string& item) -> std::optional<std::string> {
        if (HasFingerprintPrefix(item) && !NormalizeFingerprint(item)) {
          return "invalid SHA-256 fingerprint \"" + item +
                 "\" (use sha256: and 64 hex digits, colons allowed)";
        }
        return std::nullopt;
      });
  if (!items) return;
  names.clear();
  fingerprints.clear();
  for (const std::string& item : *items) {
    if (HasFingerprintPrefix(item)) {
      fingerprints.push_back(*NormalizeFingerprint(item));
    } else {
      names.push_back(item);
    }
  }
}

}  // namespace

AllowList DefaultAllowList() {
  AllowList allow;
  allow.issuer_names = {
      "Microsoft Azure RSA TLS Issuing CA 03",
      "Microsoft Azure RSA TLS Issuing CA 04",
      "Microsoft Azure RSA TLS Issuing CA 07",
      "Microsoft Azure RSA TLS Issuing CA 08",
      "Microsoft Azure ECC TLS Issuing CA 03",
      "Microsoft Azure ECC TLS Issuing CA 04",
      "Microsoft Azure ECC TLS Issuing CA 07",
      "Microsoft Azure ECC TLS Issuing CA 08",
      "Microsoft Azure TLS Issuing CA 01",
      "Microsoft Azure TLS Issuing CA 02",
      "Microsoft Azure TLS Issuing CA 05",
      "Microsoft Azure TLS Issuing CA 06",
      "DigiCert SHA2 Secure Server CA",
      "DigiCert SHA2 High Assurance Server CA",
      "DigiCert TLS RSA SHA256 2020 CA1",
      "DigiCert TLS Hybrid ECC SHA384 2020 CA1",
      "DigiCert Global G2 TLS RSA SHA256 2020 CA1",
      "DigiCert Global G3 TLS ECC SHA384 2020 CA1",
      "DigiCert Cloud Services CA-1",
      "GeoTrust Global TLS RSA4096 SHA256 2022 CA1",
      "GeoTrust TLS RSA CA G1",
      "GeoTrust RSA CA 2018",
      "D-TRUST SSL Class 3 CA 1 2009",
      "D-TRUST SSL Class 3 CA 1 EV 2009",
  };
  allow.root_names = {
      "DigiCert Global Root CA",
      "DigiCert Global Root G2",
      "DigiCert Global Root G3",
      "Microsoft RSA Root Certificate Authority 2017",
      "Microsoft ECC Root Certificate Authority 2017",
      "Microsoft TLS RSA Root G2",
      "Microsoft TLS ECC Root G2",
      "D-TRUST Root Class 3 CA 2 2009",
  };
  return allow;
}

AllowList ParseAllowList(const ConfigSection& section) {
  AllowList allow = DefaultAllowList();
  ParseList(section, "allowed_issuers", allow.issuer_names,
            allow.issuer_fingerprints);
  ParseList(section, "allowed_roots", allow.root_names,
            allow.root_fingerprints);
  return allow;
}

IssuerVerdict JudgeIssuer(const AllowList& allow, const ChainView& chain) {
  IssuerVerdict verdict;
  if (chain.presented.empty()) return verdict;
  const CertFacts& leaf = chain.presented.front();
  verdict.issuer = leaf.issuer;

  // The issuing CA's own certificate, when we have it, for fingerprints.
  std::string issuer_fingerprint;
  if (chain.verified.size() >= 2) {
    issuer_fingerprint = chain.verified[1].fingerprint_sha256;
  } else if (chain.presented.size() >= 2 &&
             chain.presented[1].subject == leaf.issuer) {
    issuer_fingerprint = chain.presented[1].fingerprint_sha256;
  }

  std::string root_fingerprint;
  if (!chain.verified.empty()) {
    verdict.root = chain.verified.back().subject;
    root_fingerprint = chain.verified.back().fingerprint_sha256;
  } else if (chain.presented.back().self_issued) {
    verdict.root = chain.presented.back().subject;
    root_fingerprint = chain.presented.back().fingerprint_sha256;
  } else {
    verdict.root = chain.presented.back().issuer;
  }

  verdict.issuer_allowed =
      Allowed(allow.issuer_names, allow.issuer_fingerprints, verdict.issuer,
              issuer_fingerprint);
  verdict.root_allowed = Allowed(allow.root_names, allow.root_fingerprints,
                                 verdict.root, root_fingerprint);
  verdict.match = verdict.issuer_allowed && verdict.root_allowed;
  verdict.issuer_fingerprint = issuer_fingerprint;
  verdict.root_fingerprint = root_fingerprint;
  return verdict;
}

}  // namespace entra_pta::tls

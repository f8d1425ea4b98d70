// SSL-inspection detection: is the chain a server presented the one
// Microsoft serves? The leaf's issuer and the chain's root must both be on
// an allow-list of names (common names, compared case-insensitively) or
// SHA-256 fingerprints. The shipped default lists Microsoft's, DigiCert's,
// GeoTrust's and D-TRUST's issuing CAs and roots (docs/configuration.md,
// collectors.tls); an inspection appliance re-signing traffic shows its own
// CA instead.
// Thread-safety: plain data and pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collectors/tls/cert_facts.h"
#include "exporter/sdk/config_section.h"

namespace entra_pta::tls {

struct AllowList {
  std::vector<std::string> issuer_names;
  std::vector<std::string> issuer_fingerprints;  // normalised hex
  std::vector<std::string> root_names;
  std::vector<std::string> root_fingerprints;
};

AllowList DefaultAllowList();

// Reads collectors.tls (allowed_issuers, allowed_roots; each replaces the
// shipped list; entries are names or "sha256:<hex>"). Throws ConfigError.
AllowList ParseAllowList(const ConfigSection& section);

struct ChainView {
  std::vector<CertFacts> presented;  // leaf first, as the server sent them
  std::vector<CertFacts> verified;   // built chain, anchor last; empty when
                                     // the chain did not verify
};

struct IssuerVerdict {
  bool match = false;  // issuer_allowed && root_allowed
  std::string issuer;  // the leaf's issuer name
  // The root: the verified chain's anchor; else the last presented
  // certificate when self-issued, else that certificate's issuer name.
  std::string root;
  // Which part failed, so the views can tell a CA rotation the allow-list
  // has not caught up with (issuer allowed, root not) from re-signing by an
  // inspection appliance (issuer not allowed).
  bool issuer_allowed = false;
  bool root_allowed = false;
  // SHA-256 of the issuing CA's and the root's certificates (normalised
  // hex), empty when the chain did not carry that certificate.
  std::string issuer_fingerprint;
  std::string root_fingerprint;
};

IssuerVerdict JudgeIssuer(const AllowList& allow, const ChainView& chain);

}  // namespace entra_pta::tls

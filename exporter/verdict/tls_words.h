// The words the landing page and `diagnose` both use when a TLS chain is not
// on the allow-list (entra_pta_tls_issuer_match 0): which part is not
// allowed (the leaf's issuing CA or the chain's root), its SHA-256
// fingerprint, and the fix for that case, from the per-part metric
// entra_pta_tls_chain_part_allowed. One text, so the two views agree.
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <string>

namespace entra_pta {

struct TlsChainPart {
  bool known = false;    // a sample for this part exists
  bool allowed = false;  // on the allow-list
  std::string name;
  std::string fingerprint;  // normalised hex; empty when not in the chain
};

struct TlsMismatchWords {
  bool inspection = true;  // false: the issuer is allowed, only the root not
  std::string headline;    // e.g. "SSL inspection detected"
  std::string what;        // the parts, names and fingerprints
  std::string fix;
};

// `quote` renders a name taken from a certificate for the view (quoted and,
// for HTML, escaped); names and fingerprints pass through it only.
inline TlsMismatchWords DescribeTlsMismatch(
    const TlsChainPart& issuer, const TlsChainPart& root,
    const std::function<std::string(const std::string&)>& quote) {
  auto fingerprint = [&](const TlsChainPart& part) {
    return part.fingerprint.empty()
               ? std::string("SHA-256 unknown: not in the chain presented")
               : "SHA-256 " + quote(part.fingerprint);
  };
  auto entry = [&](const TlsChainPart& part) {
    return part.fingerprint.empty() ? quote(part.name)
                                    : quote(part.name) + " or " +
                                          quote("sha256:" + part.fingerprint);
  };
  const std::string exempt =
      "exempt *.msappproxy.net, *.servicebus.windows.net, "
      "login.microsoftonline.com, login.windows.net and "
      "autologon.microsoftazuread-sso.com from SSL inspection on the proxy "
      "or firewall";
  TlsMismatchWords words;
  if (issuer.known && root.known && issuer.allowed && !root.allowed) {
    words.inspection = false;
    words.headline = "Certificate chain root not on the allow-list";
    words.what = "the leaf's issuing CA " + quote(issuer.name) +
                 " is allowed, but the chain's root " + quote(root.name) +
                 " (" + fingerprint(root) +
                 ") is not on collectors.tls.allowed_roots";
    words.fix =
        "If this is the genuine root of the issuing CA (after a CA rotation "
        "listed in allowed_issuers), allow the root: add " +
        entry(root) +
        " to collectors.tls.allowed_roots. If you do not recognise it, a "
        "device re-signs the traffic: " +
        exempt + ".";
    return words;
  }
  if (issuer.known && root.known && !issuer.allowed && root.allowed) {
    words.headline = "Issuing CA not on the allow-list (SSL inspection?)";
    words.what = "the leaf's issuing CA " + quote(issuer.name) + " (" +
                 fingerprint(issuer) +
                 ") is not on collectors.tls.allowed_issuers; its root " +
                 quote(root.name) + " is allowed";
    words.fix = "If it is a device's CA, " + exempt +
                ". If it is a genuine new issuing CA of Microsoft's or "
                "DigiCert's, allow it: add " +
                entry(issuer) + " to collectors.tls.allowed_issuers.";
    return words;
  }
  words.headline = "SSL inspection detected";
  if (!issuer.known || !root.known) {  // an exporter without the part metric
    words.what = "its certificate was issued by " + quote(issuer.name) +
                 " (root " + quote(root.name) +
                 "), not by Microsoft's or DigiCert's CAs";
    words.fix = "Find the device from the issuer name and " + exempt + ".";
    return words;
  }
  words.what = "its certificate was issued by " + quote(issuer.name) + " (" +
               fingerprint(issuer) + ", not allowed) under the root " +
               quote(root.name) + " (" + fingerprint(root) +
               (root.allowed ? ", allowed" : ", not allowed") +
               "), not by Microsoft's or DigiCert's CAs";
  words.fix = "Find the device from the issuer name and " + exempt + ".";
  return words;
}

}  // namespace entra_pta

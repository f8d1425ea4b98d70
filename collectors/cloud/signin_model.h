// What the cloud collector reads about the tenant besides the agent list,
// parsed by pure functions (no I/O), plus the URLs it reads them from:
//  - Graph v1.0 GET /auditLogs/signIns (List signIns; Entra ID P1/P2):
//    {"value":[{"id","createdDateTime","status":{"errorCode",...},...}],
//     "@odata.nextLink":"..."}, newest first, at most 1,000 per page;
//    createdDateTime supports $filter ge/le/eq, status supports $filter eq
//    on errorCode (https://learn.microsoft.com/graph/api/signin-list and
//    https://learn.microsoft.com/graph/api/resources/signin);
//  - Graph v1.0 GET /organization?$select=onPremisesSyncEnabled,...:
//    {"value":[{"onPremisesSyncEnabled":true|false|null,
//     "onPremisesLastSyncDateTime":"..."|null,
//     "onPremisesLastPasswordSyncDateTime":"..."|null}]}.
// The PTA error codes and their short reasons: Microsoft's AADSTS error
// table
// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
// and the PTA troubleshooting page (https://learn.microsoft.com/entra/
// identity/hybrid/connect/tshoot-connect-pass-through-authentication).
// Thread-safety: pure functions and immutable tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta::cloud {

struct PtaErrorCode {
  int code;            // 80001: AADSTS80001 without the prefix
  const char* reason;  // fixed snake_case word: "ad_unreachable"
};

// The nine PTA sign-in error codes the collector counts, in code order.
const std::vector<PtaErrorCode>& PtaErrorCodes();
// The reason word of a PTA code; nullptr for any other code.
const char* PtaReason(int code);

// Milliseconds since the Unix epoch, as Graph's DateTimeOffset values are
// read (UTC; an explicit offset is applied).
using UnixMillis = std::int64_t;

// "2026-12-04T20:01:02Z", "...02.1234567Z", "...02+01:00" -> Unix ms.
// Years 1970..9999 only; anything else is an error.
StatusOr<UnixMillis> ParseGraphDateTime(const std::string& text);
// Unix ms -> "2026-12-04T20:01:02Z" (seconds precision, truncated).
std::string FormatGraphDateTime(UnixMillis when);
// An HTTP Date header (IMF-fixdate) -> Unix ms; nullopt when malformed.
std::optional<UnixMillis> ParseHttpDate(const std::string& value);

// {graph}/v1.0/auditLogs/signIns?$filter=createdDateTime ge <since> and
// (status/errorCode eq 80001 or ...)&$top=<top>, percent-encoded.
std::string SignInFailuresUrl(const std::string& graph, UnixMillis since,
                              int top);
// {graph}/v1.0/organization?$select=onPremisesSyncEnabled,...
std::string OrganizationUrl(const std::string& graph);

struct SignInFailure {
  std::string id;
  int code = 0;  // one of PtaErrorCodes()
  UnixMillis created = 0;
};

struct SignInPage {
  // Sign-ins with a PTA error code; others (Graph should send none, given
  // the filter) are skipped and counted in `other_codes`.
  std::vector<SignInFailure> failures;
  int other_codes = 0;
  std::optional<std::string> next_link;
};

// One page of sign-ins. Malformed JSON, a missing "value" array, an entry
// without an id, a createdDateTime or a numeric status.errorCode is an
// error Status that never quotes the body.
StatusOr<SignInPage> ParseSignInPage(const std::string& body);

struct DirectorySync {
  bool enabled = false;                 // onPremisesSyncEnabled; null -> false
  std::optional<UnixMillis> last_sync;  // null -> absent
  std::optional<UnixMillis> last_password_sync;  // null -> absent
};

// The first organization of GET /organization (a tenant has one).
StatusOr<DirectorySync> ParseOrganization(const std::string& body);

// Why a Graph query for sign-ins or the organization did not succeed: one
// of the fixed reasons documented in docs/metrics.md.
enum class QueryFailure {
  kNotLicensed,   // 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant
  kForbidden,     // any other 403: consent or permission missing
  kUnauthorized,  // 401, or no access token could be had
  kThrottled,     // 429/503 after the bounded retries
  kUnreachable,   // no HTTP answer (DNS, connect, TLS, timeout, too large)
  kBadResponse,   // another HTTP status, or a body that does not parse
};
const char* QueryFailureReason(QueryFailure failure);
// Every reason word, "ok" first, for the _available families.
const std::vector<std::string>& AvailabilityReasons();
// The failure of an HTTP answer that is not 200 (0: no answer).
QueryFailure ClassifyHttpFailure(long http_status,
                                 const std::string& graph_error_code);

}  // namespace entra_pta::cloud

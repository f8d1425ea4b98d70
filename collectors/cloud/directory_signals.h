// The cloud collector's reads of the tenant's sign-in logs (PTA failures)
// and of its organization object (directory sync times), over a
// GraphSession. Each returns what it read or which fixed kind of failure
// stopped it (signin_model.h's QueryFailure), so the collector can report
// `..._available{reason}` without failing as a whole.
// Thread-safety: as GraphSession (the collector's one refresh thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collectors/cloud/graph_session.h"
#include "collectors/cloud/signin_model.h"

namespace entra_pta::cloud {

// Sign-ins per page asked for: the documented maximum.
inline constexpr int kSignInPageSize = 1000;
// Pages read per refresh at most (100,000 sign-ins); the rest waits for
// the next refresh.
inline constexpr int kMaxSignInPages = 100;

struct SignInQueryResult {
  Status status = Status::Ok();
  QueryFailure failure = QueryFailure::kBadResponse;  // when !status.ok()
  // Every PTA failure read, also from the pages before a failed one (the
  // ledger de-duplicates them when the window is read again).
  std::vector<SignInFailure> failures;
  // Every page was read: the ledger may move its watermark.
  bool complete = false;
  int pages = 0;
};

// Reads the PTA sign-in failures created at or after `since` (Graph's
// clock), following @odata.nextLink verbatim while it stays under
// graph_url.
SignInQueryResult QuerySignInFailures(GraphSession& session,
                                      const std::string& graph_url,
                                      UnixMillis since);

struct OrganizationResult {
  Status status = Status::Ok();
  QueryFailure failure = QueryFailure::kBadResponse;  // when !status.ok()
  DirectorySync sync;
};

OrganizationResult QueryOrganization(GraphSession& session,
                                     const std::string& graph_url);

}  // namespace entra_pta::cloud

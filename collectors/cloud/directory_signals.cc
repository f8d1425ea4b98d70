#include "collectors/cloud/directory_signals.h"

namespace entra_pta::cloud {

SignInQueryResult QuerySignInFailures(GraphSession& session,
                                      const std::string& graph_url,
                                      UnixMillis since) {
  SignInQueryResult result;
  std::string url = SignInFailuresUrl(graph_url, since, kSignInPageSize);
  while (result.pages < kMaxSignInPages) {
    const std::string what =
        "Graph (signIns, page " + std::to_string(result.pages + 1) + ")";
    GraphAnswer answer = session.Get(url, what);
    if (!answer.status.ok()) {
      result.status = answer.status;
      result.failure = answer.failure;
      return result;
    }
    ++result.pages;
    auto page = ParseSignInPage(answer.body);
    if (!page.ok()) {
      result.status = Status::Error(what + ": " + page.status().message());
      result.failure = QueryFailure::kBadResponse;
      return result;
    }
    result.failures.insert(result.failures.end(), page->failures.begin(),
                           page->failures.end());
    if (!page->next_link) {
      result.complete = true;
      return result;
    }
    url = *page->next_link;
  }
  // Counted so far; the next refresh starts from the newest seen. Older
  // ones beyond the limit in this window are not counted (documented).
  result.complete = true;
  return result;
}

OrganizationResult QueryOrganization(GraphSession& session,
                                     const std::string& graph_url) {
  OrganizationResult result;
  const std::string what = "Graph (organization)";
  GraphAnswer answer = session.Get(OrganizationUrl(graph_url), what);
  if (!answer.status.ok()) {
    result.status = answer.status;
    result.failure = answer.failure;
    return result;
  }
  auto parsed = ParseOrganization(answer.body);
  if (!parsed.ok()) {
    result.status = Status::Error(what + ": " + parsed.status().message());
    result.failure = QueryFailure::kBadResponse;
    return result;
  }
  result.sync = *parsed;
  return result;
}

}  // namespace entra_pta::cloud

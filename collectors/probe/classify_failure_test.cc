#include <curl/curl.h>
#include <gtest/gtest.h>

#include "collectors/probe/curl_prober.h"

namespace entra_pta::probe {
namespace {

TEST(ClassifyFailureTest, MapsOutcomesToTheFixedReasons) {
  struct Case {
    TransferFacts facts;
    FailureReason expected;
  };
  auto facts = [](int code, bool proxy, bool https, bool connected,
                  bool handshake, long connect_code = 0, long status = 0,
                  bool abandoned = false) {
    return TransferFacts{code,      proxy,        https,  connected,
                         handshake, connect_code, status, abandoned};
  };
  const Case cases[] = {
      {facts(CURLE_OK, false, true, true, true, 0, 404), FailureReason::kNone},
      {facts(CURLE_WRITE_ERROR, false, true, true, true, 0, 200),
       FailureReason::kNone},
      {facts(CURLE_COULDNT_RESOLVE_HOST, false, true, false, false),
       FailureReason::kDns},
      {facts(CURLE_COULDNT_RESOLVE_PROXY, true, true, false, false),
       FailureReason::kProxy},
      {facts(CURLE_COULDNT_CONNECT, false, true, false, false),
       FailureReason::kConnectRefused},
      {facts(CURLE_COULDNT_CONNECT, true, true, false, false),
       FailureReason::kProxy},
      {facts(CURLE_OPERATION_TIMEDOUT, false, true, false, false),
       FailureReason::kTimeout},
      {facts(CURLE_OPERATION_TIMEDOUT, false, true, true, false),
       FailureReason::kTls},
      {facts(CURLE_OPERATION_TIMEDOUT, false, true, true, true),
       FailureReason::kTimeout},
      {facts(CURLE_OPERATION_TIMEDOUT, true, true, true, false, 0),
       FailureReason::kProxy},
      {facts(0, false, true, true, false, 0, 0, true), FailureReason::kTls},
      {facts(CURLE_RECV_ERROR, true, true, true, false, 403),
       FailureReason::kProxy},
      {facts(CURLE_PROXY, true, true, true, false), FailureReason::kProxy},
      {facts(CURLE_SSL_CONNECT_ERROR, false, true, true, false),
       FailureReason::kTls},
      {facts(CURLE_RECV_ERROR, false, true, true, false), FailureReason::kTls},
      {facts(CURLE_GOT_NOTHING, false, false, true, false),
       FailureReason::kHttp},
      {facts(CURLE_WEIRD_SERVER_REPLY, false, true, true, true),
       FailureReason::kHttp},
  };
  int i = 0;
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyFailure(c.facts), c.expected) << "case " << i;
    ++i;
  }
  EXPECT_STREQ(FailureReasonName(FailureReason::kConnectRefused),
               "connect_refused");
}

}  // namespace
}  // namespace entra_pta::probe

// The signed JWT client assertion the Microsoft identity platform accepts
// instead of a client secret ("certificate credentials"): header
// {"alg":"RS256","typ":"JWT","x5t":<SHA-1>,"x5t#S256":<SHA-256 thumbprint
// of the certificate, base64url>}, claims aud (the token endpoint), iss and
// sub (the client ID), jti, nbf, iat and exp (10 minutes), signed with the
// certificate's RSA private key through OpenSSL.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

#include "exporter/util/status.h"

namespace entra_pta::cloud {

std::string Base64UrlEncode(std::string_view bytes);

// `certificate_pem` and `private_key_pem` are PEM texts (the key RSA,
// unencrypted, matching the certificate). Errors name what is wrong and
// never quote the key.
std::variant<std::string, Status> BuildClientAssertion(
    const std::string& certificate_pem, const std::string& private_key_pem,
    const std::string& client_id, const std::string& audience,
    std::chrono::system_clock::time_point now, const std::string& jti);

}  // namespace entra_pta::cloud

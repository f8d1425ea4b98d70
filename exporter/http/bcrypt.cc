#include "exporter/http/bcrypt.h"

#include <cstring>
#include <vector>

namespace entra_pta {
namespace {

constexpr std::uint32_t kPi[18 + 4 * 256] = {
#include "exporter/http/blowfish_pi.inc"
};

constexpr char kAlphabet[] =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int AlphabetIndex(char c) {
  const char* found = std::strchr(kAlphabet, c);
  return c != '\0' && found != nullptr ? static_cast<int>(found - kAlphabet)
                                       : -1;
}

// bcrypt's base64: its own alphabet, no padding; n bytes take
// ceil(n * 4 / 3) characters and the unused low bits of the last are zero.
std::string Encode(const std::uint8_t* data, std::size_t size) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 63];
  return out;
}

bool Decode(std::string_view text, std::uint8_t* out, std::size_t size) {
  std::uint32_t bits = 0;
  int count = 0;
  std::size_t written = 0;
  for (char c : text) {
    int value = AlphabetIndex(c);
    if (value < 0) return false;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      if (written == size) return false;
      out[written++] = static_cast<std::uint8_t>(bits >> count);
    }
  }
  return written == size;
}

class Blowfish {
 public:
  Blowfish() {
    std::memcpy(p_, kPi, sizeof p_);
    std::memcpy(s_, kPi + 18, sizeof s_);
  }

  void Encrypt(std::uint32_t& left, std::uint32_t& right) const {
    std::uint32_t l = left, r = right;
    for (int i = 0; i < 16; i += 2) {
      l ^= p_[i];
      r ^= F(l);
      r ^= p_[i + 1];
      l ^= F(r);
    }
    left = r ^ p_[17];
    right = l ^ p_[16];
  }

  // The "ExpandKey" of the paper: `salt` empty means no salt mixing.
  void ExpandKey(const std::vector<std::uint8_t>& key,
                 const std::uint8_t* salt) {
    std::size_t key_at = 0;
    for (auto& word : p_) word ^= NextWord(key.data(), key.size(), key_at);
    std::uint32_t left = 0, right = 0;
    std::size_t salt_at = 0;
    auto mix = [&](std::uint32_t& a, std::uint32_t& b) {
      if (salt != nullptr) {
        left ^= NextWord(salt, 16, salt_at);
        right ^= NextWord(salt, 16, salt_at);
      }
      Encrypt(left, right);
      a = left;
      b = right;
    };
    for (int i = 0; i < 18; i += 2) mix(p_[i], p_[i + 1]);
    for (auto& box : s_) {
      for (int i = 0; i < 256; i += 2) mix(box[i], box[i + 1]);
    }
  }

 private:
  static std::uint32_t NextWord(const std::uint8_t* data, std::size_t size,
                                std::size_t& at) {
    std::uint32_t word = 0;
    for (int i = 0; i < 4; ++i) {
      word = (word << 8) | data[at];
      at = (at + 1) % size;
    }
    return word;
  }

  std::uint32_t F(std::uint32_t x) const {
    return ((s_[0][x >> 24] + s_[1][(x >> 16) & 0xff]) ^
            s_[2][(x >> 8) & 0xff]) +
           s_[3][x & 0xff];
  }

  std::uint32_t p_[18];
  std::uint32_t s_[4][256];
};

}  // namespace

std::optional<BcryptHash> ParseBcryptHash(std::string_view text) {
  // "$2b$10$" (7) + salt (22) + digest (31) = 60 characters.
  if (text.size() != 60 || text.substr(0, 2) != "$2" || text[3] != '$' ||
      text[6] != '$') {
    return std::nullopt;
  }
  BcryptHash hash;
  hash.variant = text[2];
  if (hash.variant != 'a' && hash.variant != 'b' && hash.variant != 'y') {
    return std::nullopt;
  }
  if (text[4] < '0' || text[4] > '9' || text[5] < '0' || text[5] > '9') {
    return std::nullopt;
  }
  hash.cost = (text[4] - '0') * 10 + (text[5] - '0');
  if (hash.cost < 4 || hash.cost > 31) return std::nullopt;
  if (!Decode(text.substr(7, 22), hash.salt.data(), hash.salt.size()) ||
      !Decode(text.substr(29, 31), hash.digest.data(), hash.digest.size())) {
    return std::nullopt;
  }
  return hash;
}

std::string FormatBcryptHash(const BcryptHash& hash) {
  std::string out = "$2";
  out += hash.variant;
  out += '$';
  out += static_cast<char>('0' + hash.cost / 10);
  out += static_cast<char>('0' + hash.cost % 10);
  out += '$';
  out += Encode(hash.salt.data(), hash.salt.size());
  out += Encode(hash.digest.data(), hash.digest.size());
  return out;
}

std::array<std::uint8_t, 23> BcryptDigest(
    std::string_view password, int cost,
    const std::array<std::uint8_t, 16>& salt) {
  // The key is the password with its terminating NUL, at most 72 bytes.
  std::vector<std::uint8_t> key(password.begin(), password.end());
  key.push_back(0);
  if (key.size() > 72) key.resize(72);
  const std::vector<std::uint8_t> salt_key(salt.begin(), salt.end());

  Blowfish state;
  state.ExpandKey(key, salt.data());
  const std::uint64_t rounds = std::uint64_t{1} << cost;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    state.ExpandKey(key, nullptr);
    state.ExpandKey(salt_key, nullptr);
  }

  static constexpr char kMagic[] = "OrpheanBeholderScryDoubt";
  std::uint32_t text[6];
  for (int i = 0; i < 6; ++i) {
    text[i] = 0;
    for (int j = 0; j < 4; ++j) {
      text[i] = (text[i] << 8) | static_cast<std::uint8_t>(kMagic[i * 4 + j]);
    }
  }
  for (int round = 0; round < 64; ++round) {
    for (int i = 0; i < 6; i += 2) state.Encrypt(text[i], text[i + 1]);
  }
  std::array<std::uint8_t, 23> digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    digest[i] = static_cast<std::uint8_t>(text[i / 4] >> (24 - 8 * (i % 4)));
  }
  return digest;
}

bool BcryptVerify(std::string_view password, const BcryptHash& hash) {
  const bool has_nul = password.find('\0') != std::string_view::npos;
  const std::array<std::uint8_t, 23> digest =
      BcryptDigest(password, hash.cost, hash.salt);
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < digest.size(); ++i) {
    difference =
        static_cast<std::uint8_t>(difference | (digest[i] ^ hash.digest[i]));
  }
  return difference == 0 && !has_nul;
}

}  // namespace entra_pta

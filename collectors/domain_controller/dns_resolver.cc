#include "collectors/domain_controller/dns_resolver.h"

#include <ares.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <mutex>
#include <thread>

#include "exporter/platform/socket.h"

namespace entra_pta::domain_controller {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxNameLength = 253;  // presentation form, no root dot
constexpr int kClassIn = 1;                  // C_IN
constexpr int kTypeA = 1;                    // T_A
constexpr int kTypeSrv = 33;                 // T_SRV
// One try per server waits this long before c-ares asks the next server
// (and doubles it per round); the lookup's deadline bounds the whole.
constexpr int kTryTimeoutMs = 1000;
constexpr int kTries = 8;
// The UDP payload size we advertise (EDNS0): domains with many DCs need more
// than the classic 512 bytes; larger answers come over TCP.
constexpr int kEdnsPayloadSize = 4096;

bool IsNameChar(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_';
}

std::string Normalize(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

// Why a lookup failed, in the words of the DNS (the rcode names an
// administrator searches for) or of the network.
std::string Describe(int status, const std::string& servers) {
  switch (status) {
    case ARES_ENOTFOUND:
      return "NXDOMAIN (the name does not exist)";
    case ARES_ESERVFAIL:
      return "SERVFAIL (the server failed to answer)";
    case ARES_EREFUSED:
      return "REFUSED (the server refused to answer)";
    case ARES_ENOTIMP:
      return "NOTIMP (the server does not support the query)";
    case ARES_EFORMERR:
      return "FORMERR (the server could not read the query)";
    case ARES_ECONNREFUSED:
      return "no DNS server listening at " + servers + " (port unreachable)";
    case ARES_EBADRESP:
      return "malformed answer (" + std::string(ares_strerror(status)) + ")";
    default:
      return ares_strerror(status);
  }
}

// One c-ares channel, its queries run to completion or to the deadline on
// this thread (no c-ares thread: the loop below polls its sockets).
class Channel {
 public:
  explicit Channel(const std::vector<Endpoint>& servers, int extra_flags = 0)
      : poll_(MakePollSet()) {  // first: starts Winsock on Windows
    InitLibraryOnce();
    ares_options options{};
    options.flags =
        ARES_FLAG_EDNS | ARES_FLAG_NOALIASES | ARES_FLAG_NOSEARCH | extra_flags;
    options.timeout = kTryTimeoutMs;
    options.tries = kTries;
    options.ednspsz = kEdnsPayloadSize;
    init_status_ = ares_init_options(&channel_, &options,
                                     ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
                                         ARES_OPT_TRIES | ARES_OPT_EDNSPSZ);
    if (init_status_ != ARES_SUCCESS || servers.empty()) return;
    std::vector<ares_addr_port_node> nodes(servers.size());
    for (std::size_t i = 0; i < servers.size(); ++i) {
      nodes[i].next = i + 1 < servers.size() ? &nodes[i + 1] : nullptr;
      nodes[i].family = AF_INET;
      nodes[i].udp_port = servers[i].port;
      nodes[i].tcp_port = servers[i].port;
      if (ares_inet_pton(AF_INET, servers[i].ipv4.c_str(),
                         &nodes[i].addr.addr4) != 1) {
        init_status_ = ARES_EBADSTR;
        return;
      }
    }
    init_status_ = ares_set_servers_ports(channel_, nodes.data());
  }
  ~Channel() {
    // Nothing is outstanding by now: Run() cancels what is left.
    if (channel_ != nullptr) ares_destroy(channel_);
  }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  Status ready() const {
    if (init_status_ == ARES_SUCCESS) return Status::Ok();
    return Status::Error(std::string("cannot set up the DNS resolver: ") +
                         ares_strerror(init_status_));
  }
  ares_channel get() const { return channel_; }

  std::string ServersText() const {
    ares_addr_port_node* servers = nullptr;
    if (ares_get_servers_ports(channel_, &servers) != ARES_SUCCESS) {
      return "the system's DNS servers";
    }
    std::string text;
    for (auto* node = servers; node != nullptr; node = node->next) {
      char address[64] = {};
      ares_inet_ntop(node->family, &node->addr, address, sizeof address);
      if (!text.empty()) text += ", ";
      text += std::string(address) + ":" +
              std::to_string(node->udp_port == 0 ? 53 : node->udp_port);
    }
    ares_free_data(servers);
    return text.empty() ? "the system's DNS servers" : text;
  }

  // Drives the channel until `pending` reaches 0 or `deadline` passes; then
  // cancels what is left (its callbacks see ARES_ECANCELLED).
  void Run(const int& pending, SteadyClock::time_point deadline) {
    while (pending > 0) {
      const auto now = SteadyClock::now();
      if (now >= deadline) break;
      ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
      const int bits = ares_getsock(channel_, sockets, ARES_GETSOCK_MAXNUM);
      std::vector<ares_socket_t> polled;
      poll_->Clear();
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        const bool read = ARES_GETSOCK_READABLE(bits, i) != 0;
        const bool write = ARES_GETSOCK_WRITABLE(bits, i) != 0;
        if (!read && !write) continue;
        poll_->Add(static_cast<std::intptr_t>(sockets[i]), read, write);
        polled.push_back(sockets[i]);
      }
      auto left =
          std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
      timeval max_wait{static_cast<long>(left.count() / 1'000'000),
                       static_cast<long>(left.count() % 1'000'000)};
      timeval wait{};
      ares_timeout(channel_, &max_wait, &wait);
      const std::chrono::milliseconds timeout(
          static_cast<long long>(wait.tv_sec) * 1000 + wait.tv_usec / 1000 + 1);
      if (polled.empty()) {
        std::this_thread::sleep_for(timeout);
        ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        continue;
      }
      if (!poll_->Wait(timeout)) break;
      bool any = false;
      for (std::size_t i = 0; i < polled.size(); ++i) {
        const bool readable = poll_->Readable(i);
        const bool writable = poll_->Writable(i);
        if (!readable && !writable) continue;
        any = true;
        ares_process_fd(channel_, readable ? polled[i] : ARES_SOCKET_BAD,
                        writable ? polled[i] : ARES_SOCKET_BAD);
      }
      if (!any) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
    if (pending > 0) ares_cancel(channel_);
  }

 private:
  std::unique_ptr<PollSet> poll_;
  ares_channel channel_ = nullptr;
  int init_status_ = ARES_SUCCESS;
};

struct SrvQuery {
  int pending = 1;
  int status = ARES_ETIMEOUT;
  std::vector<unsigned char> answer;
};

void OnSrvAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf,
                 int alen) {
  auto* query = static_cast<SrvQuery*>(arg);
  query->pending = 0;
  query->status = status;
  if ((status == ARES_SUCCESS || status == ARES_ENODATA) && abuf != nullptr &&
      alen > 0) {
    query->answer.assign(abuf, abuf + alen);
  }
}

struct AddressQueries {
  int pending = 0;
  std::vector<std::optional<std::string>> addresses;
};

struct AddressQuery {
  AddressQueries* all;
  std::size_t index;
};

void OnAddressAnswer(void* arg, int status, int /*timeouts*/,
                     unsigned char* abuf, int alen) {
  auto* query = static_cast<AddressQuery*>(arg);
  --query->all->pending;
  if (status != ARES_SUCCESS || abuf == nullptr) return;
  ares_addrttl addresses[1];
  int count = 1;
  hostent* host = nullptr;
  if (ares_parse_a_reply(abuf, alen, &host, addresses, &count) !=
      ARES_SUCCESS) {
    return;
  }
  if (host != nullptr) ares_free_hostent(host);
  if (count < 1) return;
  char text[16] = {};
  ares_inet_ntop(AF_INET, &addresses[0].ipaddr, text, sizeof text);
  query->all->addresses[query->index] = std::string(text);
}

}  // namespace

bool IsValidDnsName(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameLength) return false;
  std::size_t label_length = 0;
  for (char c : name) {
    if (c == '.') {
      if (label_length == 0) return false;
      label_length = 0;
      continue;
    }
    if (!IsNameChar(static_cast<unsigned char>(c))) return false;
    if (++label_length > 63) return false;
  }
  return label_length > 0;
}

StatusOr<std::vector<SrvRecord>> ParseSrvAnswer(const unsigned char* message,
                                                std::size_t size) {
  if (size > INT_MAX) return Status::Error("answer too large");
  // c-ares's parser does not look at these; a query or another opcode
  // echoed back is no answer.
  if (size >= 12 && ((message[2] & 0x80) == 0 || (message[2] & 0x78) != 0)) {
    return Status::Error("malformed answer (not a standard response)");
  }
  ares_srv_reply* replies = nullptr;
  const int status =
      ares_parse_srv_reply(message, static_cast<int>(size), &replies);
  if (status == ARES_ENODATA) return std::vector<SrvRecord>{};
  if (status != ARES_SUCCESS) return Status::Error(Describe(status, ""));
  std::vector<SrvRecord> records;
  for (auto* reply = replies; reply != nullptr; reply = reply->next) {
    records.push_back({reply->priority, reply->weight, reply->port,
                       Normalize(reply->host != nullptr ? reply->host : "")});
  }
  ares_free_data(replies);
  return records;
}

DnsResolver::DnsResolver(std::vector<Endpoint> servers)
    : servers_(std::move(servers)) {}

std::string DnsResolver::ServersText() const {
  Channel channel(servers_);
  if (!channel.ready().ok()) return "the system's DNS servers";
  return channel.ServersText();
}

// One SRV query through a fresh channel; query.status is c-ares's.
static void RunSrvQuery(const std::vector<Endpoint>& servers,
                        const std::string& name, int extra_flags,
                        SteadyClock::time_point deadline, SrvQuery& query,
                        std::string& servers_text) {
  Channel channel(servers, extra_flags);
  if (!channel.ready().ok()) {
    query.status = ARES_ENOMEM;
    return;
  }
  servers_text = channel.ServersText();
  ares_query(channel.get(), name.c_str(), kClassIn, kTypeSrv, OnSrvAnswer,
             &query);
  channel.Run(query.pending, deadline);
}

SrvLookup DnsResolver::LookupSrv(const std::string& name,
                                 SteadyClock::time_point deadline) const {
  SrvLookup lookup;
  if (!IsValidDnsName(name)) {
    lookup.status = Status::Error("invalid DNS name \"" + name + "\"");
    return lookup;
  }
  SrvQuery query;
  std::string servers_text;
  RunSrvQuery(servers_, name, 0, deadline, query, servers_text);
  if (query.status == ARES_ECONNREFUSED && SteadyClock::now() < deadline) {
    // c-ares says this when every server failed, SERVFAIL and REFUSED
    // included (it moves on to the next server on those). Asking again
    // without that check tells an administrator which it was.
    SrvQuery again;
    RunSrvQuery(servers_, name, ARES_FLAG_NOCHECKRESP, deadline, again,
                servers_text);
    if (again.status == ARES_ESERVFAIL || again.status == ARES_EREFUSED ||
        again.status == ARES_ENOTIMP || again.status == ARES_EFORMERR) {
      query.status = again.status;
    }
  }
  if (query.status == ARES_ENOMEM) {
    lookup.status = Status::Error("cannot set up the DNS resolver");
    return lookup;
  }
  if (query.status == ARES_ECANCELLED || query.status == ARES_ETIMEOUT) {
    lookup.no_answer = true;
    lookup.status = Status::Error("no answer");
    return lookup;
  }
  if (query.status != ARES_SUCCESS && query.status != ARES_ENODATA) {
    lookup.no_such_name = query.status == ARES_ENOTFOUND;
    lookup.status = Status::Error(Describe(query.status, servers_text));
    return lookup;
  }
  auto records = ParseSrvAnswer(query.answer.data(), query.answer.size());
  if (!records.ok()) {
    lookup.status = records.status();
    return lookup;
  }
  lookup.records = std::move(*records);
  return lookup;
}

std::vector<std::optional<std::string>> DnsResolver::LookupIpv4(
    const std::vector<std::string>& names,
    SteadyClock::time_point deadline) const {
  AddressQueries queries;
  queries.addresses.assign(names.size(), std::nullopt);
  Channel channel(servers_);
  if (!channel.ready().ok()) return queries.addresses;
  std::vector<AddressQuery> contexts(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!IsValidDnsName(names[i])) continue;
    contexts[i] = {&queries, i};
    ++queries.pending;
    ares_query(channel.get(), names[i].c_str(), kClassIn, kTypeA,
               OnAddressAnswer, &contexts[i]);
  }
  channel.Run(queries.pending, deadline);
  return queries.addresses;
}

}  // namespace entra_pta::domain_controller

#include "collectors/domain_controller/testing/loopback_dns_server.h"

#include <stdexcept>

#include "collectors/domain_controller/testing/udp_socket.h"
#include "exporter/platform/socket.h"

namespace entra_pta::domain_controller::testing {
namespace {

using Bytes = LoopbackDnsServer::Bytes;

Bytes WithId(Bytes reply, const Bytes& query) {
  if (reply.size() >= 2 && query.size() >= 2) {
    reply[0] = query[0];
    reply[1] = query[1];
  }
  return reply;
}

// One accepted TCP connection: reads length-prefixed queries.
struct TcpClient {
  std::unique_ptr<StreamSocket> socket;
  Bytes received;
  bool closed = false;
};

void SendAll(StreamSocket& socket, const Bytes& bytes) {
  std::size_t sent = 0;
  for (int spins = 0; sent < bytes.size() && spins < 1000; ++spins) {
    const long n =
        socket.SendSome(reinterpret_cast<const char*>(bytes.data()) + sent,
                        bytes.size() - sent);
    if (n == StreamSocket::kError) return;
    if (n > 0) sent += static_cast<std::size_t>(n);
    if (n == StreamSocket::kWouldBlock) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

}  // namespace

LoopbackDnsServer::LoopbackDnsServer(Answer answer)
    : answer_(std::move(answer)) {
  udp_ = OpenLoopbackUdpSocket(0);
  if (!udp_) throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
  port_ = udp_->port();
  thread_ = std::thread([this] { Serve(); });
}

LoopbackDnsServer::~LoopbackDnsServer() {
  stop_ = true;
  thread_.join();
}

void LoopbackDnsServer::Serve() {
  // The TCP listener on the UDP socket's port (free for TCP too, almost
  // always; the TCP tests fail clearly when not).
  std::unique_ptr<ListenSocket> listener;
  try {
    listener = OpenListenSocket("127.0.0.1", port_, false);
  } catch (const std::exception&) {
  }
  auto poll = MakePollSet();
  std::vector<TcpClient> clients;
  while (!stop_) {
    poll->Clear();
    poll->Add(udp_->NativeHandle(), true, false);
    if (listener) poll->Add(listener->NativeHandle(), true, false);
    for (const TcpClient& client : clients) {
      poll->Add(client.socket->NativeHandle(), true, false);
    }
    if (!poll->Wait(std::chrono::milliseconds(20))) continue;
    if (poll->Readable(0)) {
      while (auto query = udp_->Receive()) {
        ++udp_queries_;
        if (auto reply = answer_(*query, Transport::kUdp)) {
          udp_->Reply(WithId(*reply, *query));
        }
      }
    }
    if (listener && poll->Readable(1)) {
      bool failed = false;
      while (auto socket = listener->TryAccept(failed)) {
        clients.push_back({std::move(socket), {}, false});
      }
    }
    // Every client is read without asking the poll set: reads are
    // non-blocking, and there are only ever a few.
    for (TcpClient& client : clients) {
      char buffer[4096];
      const long got = client.socket->ReceiveSome(buffer, sizeof buffer);
      if (got == 0 || got == StreamSocket::kError) client.closed = true;
      if (got > 0)
        client.received.insert(client.received.end(), buffer, buffer + got);
      while (client.received.size() >= 2) {
        const std::size_t length =
            (std::size_t{client.received[0]} << 8) | client.received[1];
        if (client.received.size() < 2 + length) break;
        Bytes query(client.received.begin() + 2,
                    client.received.begin() + 2 + static_cast<long>(length));
        client.received.erase(
            client.received.begin(),
            client.received.begin() + 2 + static_cast<long>(length));
        ++tcp_queries_;
        if (auto reply = answer_(query, Transport::kTcp)) {
          Bytes framed = {static_cast<std::uint8_t>(reply->size() >> 8),
                          static_cast<std::uint8_t>(reply->size() & 0xff)};
          Bytes with_id = WithId(*reply, query);
          framed.insert(framed.end(), with_id.begin(), with_id.end());
          SendAll(*client.socket, framed);
        }
      }
    }
    std::erase_if(clients, [](const TcpClient& c) { return c.closed; });
  }
}

}  // namespace entra_pta::domain_controller::testing

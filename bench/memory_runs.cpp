#include "memory_runs.hpp"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace bench {
namespace {

// A field of /proc/self/status in KiB (VmRSS, VmHWM).
long status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one request (head, then Content-Length bytes) and returns its request line; false when
// the peer closed.
bool read_request(int fd, std::string& buffer, std::string& request_line) {
  char chunk[65536];
  for (;;) {
    const auto head_end = buffer.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t length = 0;
      const auto at = buffer.find("Content-Length:");
      if (at != std::string::npos && at < head_end) length = std::stoul(buffer.substr(at + 15));
      if (buffer.size() >= head_end + 4 + length) {
        request_line = buffer.substr(0, buffer.find("\r\n"));
        buffer.erase(0, head_end + 4 + length);
        return true;
      }
    }
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

bool send_answer(int fd, const char* status, const std::string& body) {
  const std::string head =
      std::string("HTTP/1.1 ") + status +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n";
  return send_all(fd, head.data(), head.size()) && send_all(fd, body.data(), body.size());
}

// Answers every request with a 200 `{"status":"success","key":...,"pad":"xxx..."}` of
// `answer_bytes`, written from a 1 MiB buffer; 0 bytes: never answers.
void serve_huge_answers(int fd, std::size_t answer_bytes) {
  std::string buffer;
  std::string request_line;
  const std::string prefix =
      R"({"status":"success","key":"0123456789abcdef0123456789abcdef","pad":")";
  const std::string suffix = "\"}";
  const std::size_t pad = answer_bytes > prefix.size() + suffix.size()
                              ? answer_bytes - prefix.size() - suffix.size()
                              : 0;
  const std::string filler(1 << 20, 'x');
  while (read_request(fd, buffer, request_line)) {
    if (answer_bytes == 0) continue;  // never answers
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(prefix.size() + pad + suffix.size()) + "\r\n\r\n";
    if (!send_all(fd, head.data(), head.size()) || !send_all(fd, prefix.data(), prefix.size()))
      break;
    std::size_t left = pad;
    while (left > 0) {
      const std::size_t n = std::min(left, filler.size());
      if (!send_all(fd, filler.data(), n)) break;
      left -= n;
    }
    if (!send_all(fd, suffix.data(), suffix.size())) break;
  }
  ::close(fd);
}

// A /query page of 100 rows whose payloads (JSON-encoded strings) add up to about `bytes`.
std::string query_page(std::size_t bytes) {
  constexpr int kRows = 100;
  const std::string blob(bytes / kRows, 'b');
  std::string page = R"({"rows":[)";
  char key[33];
  for (int i = 0; i < kRows; ++i) {
    std::snprintf(key, sizeof key, "%032x", i + 1);
    if (i > 0) page += ',';
    page += R"({"key":")" + std::string(key) +
            R"(","eventName":"bench.page","environment":"test","platform":"custom",)" +
            R"("label":"bench","createdAt":1700000000000,"payload":"{\"blob\":\")" + blob +
            R"(\"}"})";
  }
  page += R"(],"total":100,"page":1})";
  return page;
}

// Answers /query with `page` and every other request (claims) with 409.
void serve_query_pages(int fd, const std::string& page) {
  std::string buffer;
  std::string request_line;
  const std::string lost = R"({"status":"error","name":"already-claimed","message":"claimed"})";
  while (read_request(fd, buffer, request_line)) {
    const bool query = request_line.find(" /query ") != std::string::npos;
    if (!send_answer(fd, query ? "200 OK" : "409 Conflict", query ? page : lost)) break;
  }
  ::close(fd);
}

}  // namespace

HostileServer::HostileServer(Kind kind, std::size_t bytes, int cpu) {
  child_ = std::make_unique<ForkedChild>(
      [kind, bytes](int command_fd, int reply_fd) {
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener, 1024) != 0 ||
            ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
          return 1;
        }
        child_write_line(reply_fd, std::to_string(ntohs(address.sin_port)));
        std::thread([listener, kind, bytes] {
          const std::string page = kind == Kind::query_page ? query_page(bytes) : std::string();
          for (;;) {
            const int fd = ::accept(listener, nullptr, nullptr);
            if (fd < 0) return;
            if (kind == Kind::query_page) {
              std::thread(serve_query_pages, fd, std::cref(page)).detach();
            } else {
              std::thread(serve_huge_answers, fd, kind == Kind::silent ? 0 : bytes).detach();
            }
          }
        }).detach();
        std::string line;
        while (child_read_line(command_fd, line)) {
        }
        return 0;  // the parent is done with this server
      },
      cpu);
  port_ = std::stoi(child_->read_line());
}

std::size_t raw_post_into_string(const std::string& url, const std::string& body) {
  std::string answer;
  CURL* easy = curl_easy_init();
  if (easy == nullptr) throw std::runtime_error("curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(
      easy, CURLOPT_WRITEFUNCTION,
      +[](char* data, std::size_t size, std::size_t count, void* out) -> std::size_t {
        static_cast<std::string*>(out)->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &answer);
  const CURLcode code = curl_easy_perform(easy);
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
  if (code != CURLE_OK) throw std::runtime_error(curl_easy_strerror(code));
  return answer.size();
}

double peak_growth_mib(const std::function<void()>& work, int cpu) {
  ForkedChild child(
      [&work](int, int reply_fd) {
        {
          std::ofstream reset("/proc/self/clear_refs");
          reset << "5";  // resets VmHWM to the current resident size
        }
        const long before = status_kib("VmRSS");
        try {
          work();
        } catch (const std::exception& e) {
          child_write_line(reply_fd, std::string("error ") + e.what());
          return 1;
        }
        const long peak = status_kib("VmHWM");
        child_write_line(reply_fd, std::to_string(static_cast<double>(peak - before) / 1024.0));
        return 0;
      },
      cpu);
  const std::string reply = child.read_line(300'000);
  if (reply.rfind("error ", 0) == 0) throw std::runtime_error(reply.substr(6));
  return std::stod(reply);
}

}  // namespace bench

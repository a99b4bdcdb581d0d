#include "spoor/http/internal/wire.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include "absl/strings/match.h"
#include "spoor/common/strings.h"
#include "spoor/common/words.h"

namespace spoor::http {
namespace {

using words::kHighs;
using words::kOnes;

// Lower-cases the ASCII letters of [p, p + n) in place, eight at a time.
void LowerAscii(char* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    // Each byte's low seven bits, plus a bias that sets its top bit from
    // 'A' on, or past 'Z': no carry reaches the next byte.
    const uint64_t low7 = w & ~kHighs;
    const uint64_t from_a = low7 + kOnes * (0x80 - 'A');
    const uint64_t past_z = low7 + kOnes * (0x80 - 'Z' - 1);
    const uint64_t upper = from_a & ~past_z & ~w & kHighs;
    w |= upper >> 2;  // 0x80 >> 2 == 'a' - 'A'
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) {
    if (p[i] >= 'A' && p[i] <= 'Z') p[i] = static_cast<char>(p[i] + ('a' - 'A'));
  }
}

}  // namespace

void Request::AddHeader(std::string_view name, std::string_view value) {
  if (header_spans_.empty()) {
    header_text_.reserve(1024);
    header_spans_.reserve(16);
  }
  HeaderSpan span;
  span.name_at = static_cast<uint32_t>(header_text_.size());
  span.name_len = static_cast<uint32_t>(name.size());
  header_text_.append(name);
  LowerAscii(header_text_.data() + span.name_at, name.size());
  span.value_at = static_cast<uint32_t>(header_text_.size());
  span.value_len = static_cast<uint32_t>(value.size());
  header_text_.append(value);
  header_spans_.push_back(span);
}

void Request::Clear() {
  constexpr size_t kKeptBodyBytes = 64 * 1024;
  method.clear();
  target.clear();
  path.clear();
  query.clear();
  if (body.capacity() > kKeptBodyBytes) std::string().swap(body);
  body.clear();
  header_text_.clear();
  header_spans_.clear();
}

std::string_view Request::Header(std::string_view name) const {
  std::string_view text = header_text_;
  for (const HeaderSpan& s : header_spans_) {
    if (text.substr(s.name_at, s.name_len) == name) return text.substr(s.value_at, s.value_len);
  }
  return {};
}

std::vector<std::pair<std::string_view, std::string_view>> Request::Headers() const {
  std::string_view text = header_text_;
  std::vector<std::pair<std::string_view, std::string_view>> out;
  out.reserve(header_spans_.size());
  for (const HeaderSpan& s : header_spans_) {
    out.emplace_back(text.substr(s.name_at, s.name_len), text.substr(s.value_at, s.value_len));
  }
  return out;
}

namespace internal {

namespace bhttp = boost::beast::http;

namespace {

// The bytes ParsePlainRequest accepts where, as classes of a table.
enum : uint8_t {
  kTokenChar = 1,   // tchar (RFC 9110): a method, a header's name
  kTargetChar = 2,  // visible ASCII
  kValueChar = 4,   // visible ASCII, SP, HTAB
};

constexpr std::array<uint8_t, 256> kCharClasses = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0x21; c < 0x7f; ++c) t[c] = kTargetChar | kValueChar;
  t[' '] = t['\t'] = kValueChar;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kTokenChar;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kTokenChar;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kTokenChar;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] |= kTokenChar;
  return t;
}();

bool Is(char c, uint8_t cls) { return (kCharClasses[static_cast<unsigned char>(c)] & cls) != 0; }

// Where the first `stop` is in [p, end), if every byte before it is of class
// `cls`, whose bytes are all at or above `lowest` and below 0x7F; nullptr if
// there is no `stop` or a byte before it is not of the class. Eight bytes
// at a time: a word with no byte below `lowest` (so no `stop`, which is
// below it), at 0x7F or above is looked at no further.
const char* EndOf(const char* p, const char* end, char stop, uint8_t cls, uint8_t lowest) {
  auto one = [&](const char* at) -> int {  // 1: go on, 0: `stop`, -1: refused
    if (*at == stop) return 0;
    return Is(*at, cls) ? 1 : -1;
  };
  for (; end - p >= 8; p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (((w | (w - kOnes * lowest) | (w + kOnes)) & kHighs) == 0) continue;
    for (const char* at = p; at < p + 8; ++at) {
      if (int go = one(at); go <= 0) return go == 0 ? at : nullptr;
    }
  }
  for (; p < end; ++p) {
    if (int go = one(p); go <= 0) return go == 0 ? p : nullptr;
  }
  return nullptr;
}

// The Connection header's options, if it is a plain list of tokens
// (comma-separated, spaces or tabs around them).
struct ConnectionOptions {
  bool close = false;
  bool keep_alive = false;
};
std::optional<ConnectionOptions> ParseConnection(std::string_view value) {
  ConnectionOptions options;
  size_t at = 0;
  while (true) {
    while (at < value.size() && (value[at] == ' ' || value[at] == '\t')) ++at;
    const size_t start = at;
    while (at < value.size() && Is(value[at], kTokenChar)) ++at;
    if (at == start) return std::nullopt;
    const std::string_view token = value.substr(start, at - start);
    options.close = options.close || absl::EqualsIgnoreCase(ToAbsl(token), "close");
    options.keep_alive = options.keep_alive || absl::EqualsIgnoreCase(ToAbsl(token), "keep-alive");
    while (at < value.size() && (value[at] == ' ' || value[at] == '\t')) ++at;
    if (at == value.size()) return options;
    if (value[at++] != ',') return std::nullopt;
  }
}

}  // namespace

std::optional<PlainRequest> ParsePlainRequest(std::string_view in, size_t header_limit,
                                              Request& request) {
  constexpr size_t kMaxLengthDigits = 18;
  const char* const begin = in.data();
  const char* const end = begin + std::min(in.size(), header_limit);
  const char* p = begin;
  // Request line: method SP target SP HTTP/1.x CRLF.
  while (p < end && Is(*p, kTokenChar)) ++p;
  if (p == begin || p == end || *p != ' ') return std::nullopt;
  const std::string_view method(begin, static_cast<size_t>(p - begin));
  const char* const target_at = ++p;
  p = EndOf(p, end, ' ', kTargetChar, 0x21);
  if (p == nullptr || p == target_at) return std::nullopt;
  const std::string_view target(target_at, static_cast<size_t>(p - target_at));
  ++p;
  if (end - p < 10 || std::memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
      p[8] != '\r' || p[9] != '\n') {
    return std::nullopt;
  }
  PlainRequest out;
  out.version = p[7] == '1' ? 11 : 10;
  p += 10;
  bool close = false, keep_alive = false, has_length = false;
  // Headers: name ":" OWS value OWS CRLF, until an empty line.
  while (true) {
    if (end - p < 2) return std::nullopt;
    if (p[0] == '\r') {
      if (p[1] != '\n') return std::nullopt;
      p += 2;
      break;
    }
    const char* const name_at = p;
    while (p < end && Is(*p, kTokenChar)) ++p;
    if (p == name_at || p == end || *p != ':') return std::nullopt;
    const std::string_view name(name_at, static_cast<size_t>(p - name_at));
    ++p;
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    const char* const value_at = p;
    // (A tab, below 0x20, sends its word to the byte-by-byte check.)
    p = EndOf(p, end, '\r', kValueChar, 0x20);
    if (p == nullptr || end - p < 2 || p[1] != '\n') return std::nullopt;
    const char* value_end = p;
    while (value_end > value_at && (value_end[-1] == ' ' || value_end[-1] == '\t')) --value_end;
    const std::string_view value(value_at, static_cast<size_t>(value_end - value_at));
    p += 2;
    // A folded line (obs-fold) is the general parser's.
    if (p < end && (*p == ' ' || *p == '\t')) return std::nullopt;
    switch (name.size()) {
      case 10:
        if (absl::EqualsIgnoreCase(ToAbsl(name), "connection")) {
          std::optional<ConnectionOptions> options = ParseConnection(value);
          if (!options) return std::nullopt;
          close = close || options->close;
          keep_alive = keep_alive || options->keep_alive;
        }
        break;
      case 14:
        if (absl::EqualsIgnoreCase(ToAbsl(name), "content-length")) {
          if (has_length || value.empty() || value.size() > kMaxLengthDigits) return std::nullopt;
          for (char c : value) {
            if (c < '0' || c > '9') return std::nullopt;
            out.content_length = out.content_length * 10 + static_cast<uint64_t>(c - '0');
          }
          has_length = true;
        }
        break;
      case 16:
        if (absl::EqualsIgnoreCase(ToAbsl(name), "proxy-connection")) return std::nullopt;
        break;
      case 17:
        if (absl::EqualsIgnoreCase(ToAbsl(name), "transfer-encoding")) return std::nullopt;
        break;
      default:
        break;
    }
    request.AddHeader(name, value);
  }
  const size_t head = static_cast<size_t>(p - begin);
  if (in.size() - head < out.content_length) return std::nullopt;  // the body is not all here
  out.bytes = head + static_cast<size_t>(out.content_length);
  out.keep_alive = out.version == 11 ? !close : keep_alive;
  request.method.assign(method);
  request.target.assign(target);
  const size_t q = target.find('?');
  request.path.assign(target.substr(0, q));
  if (q != std::string_view::npos) request.query.assign(target.substr(q + 1));
  request.body.assign(in.substr(head, static_cast<size_t>(out.content_length)));
  return out;
}

void RequestParser::on_request_impl(verb, string_view method_str, string_view target, int version,
                                    error_code&) {
  version_ = version;
  request_.method.assign(method_str.data(), method_str.size());
  request_.target.assign(target.data(), target.size());
  std::string_view t = request_.target;
  size_t q = t.find('?');
  request_.path.assign(t.substr(0, q));
  if (q != std::string_view::npos) request_.query.assign(t.substr(q + 1));
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = bhttp::error::bad_method;  // a parser of requests never sees a status line
}

void RequestParser::on_field_impl(field, string_view name, string_view value, error_code&) {
  request_.AddHeader({name.data(), name.size()}, {value.data(), value.size()});
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code&) {
  // basic_parser has checked the length against the body limit already.
  if (content_length) request_.body.reserve(static_cast<size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

namespace {

// Turns CR, LF and NUL in out[from..] into spaces: header text goes on the
// wire as it is, where a CR or LF would end the header (and could start
// another) and clients refuse NUL. Skips eight bytes at a time while none
// is below 0x0E (header text nearly never has one).
void CleanFrom(std::string& out, size_t from) {
  size_t i = from;
  for (; i + 8 <= out.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, out.data() + i, 8);
    if (((word - kOnes * 0x0E) & ~word & kHighs) != 0) break;
  }
  for (; i < out.size(); ++i) {
    char& c = out[i];
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
}

}  // namespace

void AppendResponseHead(std::string& head, const Response& response, unsigned version,
                        bool keep_alive) {
  head.reserve(head.size() + 128 + response.FieldLines().size());
  const int status = response.status;
  boost::beast::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  head.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  StrAppend(head, status);
  head.push_back(' ');
  head.append(reason.data(), reason.size());
  head.append("\r\nServer: Spoor\r\n");
  head.append(response.FieldLines());
  const bool bodiless = status < 200 || status == 204 || status == 304;
  if (!bodiless && response.stream) {
    if (version != 10) head.append("Transfer-Encoding: chunked\r\n");
  } else if (!bodiless) {
    head.append("Content-Length: ");
    StrAppend(head, response.body.size());
    head.append("\r\n");
  }
  if (version == 10 && keep_alive && !response.stream) head.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) head.append("Connection: close\r\n");
  head.append("\r\n");
}

std::string ResponseHead(const Response& response, unsigned version, bool keep_alive) {
  std::string head;
  AppendResponseHead(head, response, version, keep_alive);
  return head;
}

}  // namespace internal

size_t Response::BeginField(std::string_view name) {
  if (fields_.empty()) fields_.reserve(512);
  last_field_ = fields_.size();
  fields_.append(name);
  internal::CleanFrom(fields_, last_field_);
  fields_.append(": ");
  return fields_.size();
}

void Response::EndField(size_t value_at) {
  internal::CleanFrom(fields_, value_at);
  fields_.append("\r\n");
}

void Response::UnsetLast() { fields_.resize(last_field_); }

void Response::SetAll(const Response& other) {
  last_field_ = fields_.size() + other.last_field_;
  fields_.append(other.fields_);
}

}  // namespace spoor::http

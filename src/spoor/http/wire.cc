#include "spoor/http/internal/wire.h"

#include <cstring>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include "spoor/common/strings.h"

namespace spoor::http {

void Request::AddHeader(std::string_view name, std::string_view value) {
  if (header_spans_.empty()) {
    header_text_.reserve(1024);
    header_spans_.reserve(16);
  }
  HeaderSpan span;
  span.name_at = static_cast<uint32_t>(header_text_.size());
  span.name_len = static_cast<uint32_t>(name.size());
  for (char c : name) header_text_.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
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

namespace internal {

namespace bhttp = boost::beast::http;

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
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
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

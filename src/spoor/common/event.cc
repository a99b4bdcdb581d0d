#include "spoor/common/event.h"

#include <cstring>

#include "absl/status/status.h"

namespace spoor {
namespace {

constexpr uint8_t kFormatVersion = 3;

// Writes an encoding into room made for it beforehand (see Bound).
class Writer {
 public:
  explicit Writer(char* at) : at_(at) {}
  void U8(uint8_t v) { *at_++ = static_cast<char>(v); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      *at_++ = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *at_++ = static_cast<char>(v);
  }
  void I64(int64_t v) { Varint(static_cast<uint64_t>(v)); }
  void Str(std::string_view s) {
    Varint(s.size());
    if (!s.empty()) std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  void Pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
    Varint(pairs.size());
    for (const auto& [k, v] : pairs) {
      Str(k);
      Str(v);
    }
  }
  void List(const std::vector<std::string>& list) {
    Varint(list.size());
    for (const auto& s : list) Str(s);
  }
  char* at() const { return at_; }

 private:
  char* at_;
};

// Counts the most bytes a Writer can write for the same calls.
class Bound {
 public:
  static constexpr size_t kMaxVarint = 10;
  void U8(uint8_t) { ++bytes_; }
  void Varint(uint64_t) { bytes_ += kMaxVarint; }
  void I64(int64_t) { bytes_ += kMaxVarint; }
  void Str(std::string_view s) { bytes_ += kMaxVarint + s.size(); }
  void Pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
    bytes_ += kMaxVarint;
    for (const auto& [k, v] : pairs) bytes_ += 2 * kMaxVarint + k.size() + v.size();
  }
  void List(const std::vector<std::string>& list) {
    bytes_ += kMaxVarint;
    for (const auto& s : list) bytes_ += kMaxVarint + s.size();
  }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  uint8_t U8() {
    if (pos_ >= in_.size()) return Fail<uint8_t>();
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail<uint64_t>();
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail<uint64_t>();
  }
  int64_t I64() { return static_cast<int64_t>(Varint()); }
  std::string Str() {
    uint64_t n = Varint();
    if (!ok_ || n > in_.size() - pos_) return Fail<std::string>();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::vector<std::pair<std::string, std::string>> Pairs() {
    std::vector<std::pair<std::string, std::string>> out;
    uint64_t n = Varint();
    for (uint64_t i = 0; ok_ && i < n; ++i) {
      std::string k = Str();
      std::string v = Str();
      out.emplace_back(std::move(k), std::move(v));
    }
    return out;
  }
  std::vector<std::string> List() {
    std::vector<std::string> out;
    uint64_t n = Varint();
    for (uint64_t i = 0; ok_ && i < n; ++i) out.push_back(Str());
    return out;
  }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  template <typename T>
  T Fail() {
    ok_ = false;
    pos_ = in_.size();
    return T{};
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kPageView: return "page_view";
    case EventType::kCustom: return "custom";
    case EventType::kFormSubmit: return "form_submit";
    case EventType::kPushInteraction: return "push_interaction";
    case EventType::kPhoneCall: return "phone_call";
    case EventType::kIdentify: return "identify";
    case EventType::kDeviceCreated: return "device_created";
    case EventType::kContactUpdate: return "contact_update";
    case EventType::kContactDelete: return "contact_delete";
  }
  return "unknown";
}

std::string_view EventSourceName(EventSource source) {
  switch (source) {
    case EventSource::kJs: return "js";
    case EventSource::kPixel: return "pixel";
    case EventSource::kApi: return "api";
    case EventSource::kMobile: return "mobile";
    case EventSource::kPush: return "push";
    case EventSource::kCall: return "call";
  }
  return "unknown";
}

namespace {

// The encoding's every field, in order, to a Writer or a Bound.
template <typename Sink>
void EncodeTo(const Event& e, Sink& w) {
  w.U8(kFormatVersion);
  w.Str(e.id);
  w.I64(e.workspace_id);
  w.I64(e.received_at_us);
  w.I64(e.client_time_us);
  w.U8(static_cast<uint8_t>(e.type));
  w.U8(static_cast<uint8_t>(e.source));
  w.Varint(e.contact_id);
  w.Str(e.device_id);
  w.U8(e.new_device ? 1 : 0);
  for (const std::string* s : {&e.url, &e.title, &e.referrer, &e.language, &e.utm.source,
                               &e.utm.medium, &e.utm.campaign, &e.utm.term, &e.utm.content,
                               &e.channel, &e.name, &e.ip, &e.user_agent}) {
    w.Str(*s);
  }
  w.Pairs(e.fields);
  w.List(e.tags_add);
  w.List(e.tags_remove);
  w.Pairs(e.properties);
  w.Varint(e.spare_contact_id);
  w.Str(e.user_id);
  w.Str(e.properties_json);
  w.U8(static_cast<uint8_t>((e.replace_fields ? 1 : 0) | (e.overwrite_blank ? 2 : 0)));
}

}  // namespace

std::string EncodeEvent(const Event& e) {
  std::string out;
  AppendEncodedEvent(e, out);
  return out;
}

// Room for the longest encoding first, then one pass of plain stores.
void AppendEncodedEvent(const Event& e, std::string& out) {
  Bound bound;
  EncodeTo(e, bound);
  const size_t start = out.size();
  out.resize(start + bound.bytes());
  Writer w(out.data() + start);
  EncodeTo(e, w);
  out.resize(static_cast<size_t>(w.at() - out.data()));
}

absl::StatusOr<Event> DecodeEvent(std::string_view bytes) {
  Reader r(bytes);
  const uint8_t version = r.U8();
  if (version < 1 || version > kFormatVersion) {
    return absl::DataLossError("unknown event encoding");
  }
  Event e;
  e.id = r.Str();
  e.workspace_id = r.I64();
  e.received_at_us = r.I64();
  e.client_time_us = r.I64();
  e.type = static_cast<EventType>(r.U8());
  e.source = static_cast<EventSource>(r.U8());
  e.contact_id = r.Varint();
  e.device_id = r.Str();
  e.new_device = r.U8() != 0;
  for (std::string* s : {&e.url, &e.title, &e.referrer, &e.language, &e.utm.source, &e.utm.medium,
                         &e.utm.campaign, &e.utm.term, &e.utm.content, &e.channel, &e.name, &e.ip,
                         &e.user_agent}) {
    *s = r.Str();
  }
  e.fields = r.Pairs();
  e.tags_add = r.List();
  e.tags_remove = r.List();
  e.properties = r.Pairs();
  if (version >= 2) {
    e.spare_contact_id = r.Varint();
    e.user_id = r.Str();
    e.properties_json = r.Str();
  }
  if (version >= 3) {
    uint8_t flags = r.U8();
    e.replace_fields = (flags & 1) != 0;
    e.overwrite_blank = (flags & 2) != 0;
  }
  if (!r.ok() || !r.AtEnd()) return absl::DataLossError("truncated event encoding");
  return e;
}

}  // namespace spoor

// Small string helpers. Debian's Abseil has its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW=0), so Spoor code uses std::string_view
// and bridges with ToAbsl() where an Abseil API needs one.
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <vector>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace spoor {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

namespace internal {
// One argument of StrCat as text. Integers are formatted on the stack;
// floating-point numbers as std::to_string does ("%f"), into a string.
class Piece {
 public:
  Piece(std::string_view s) : view_(s) {}  // NOLINT: every piece converts
  Piece(const char* s) : view_(s) {}       // NOLINT
  Piece(const std::string& s) : view_(s) {}  // NOLINT
  Piece(absl::string_view s) : view_(s.data(), s.size()) {}  // NOLINT
  Piece(char c) : view_(&buf_[0], 1) { buf_[0] = c; }  // NOLINT
  template <typename T>
    requires std::is_arithmetic_v<T>
  Piece(T v) {  // NOLINT
    if constexpr (std::is_same_v<T, bool>) {
      view_ = v ? "1" : "0";
    } else if constexpr (std::is_floating_point_v<T>) {
      owned_ = std::to_string(v);
      view_ = owned_;
    } else {
      auto [end, ec] = std::to_chars(buf_, buf_ + sizeof(buf_), v);
      view_ = std::string_view(buf_, static_cast<size_t>(end - buf_));
    }
  }
  Piece(const Piece&) = delete;
  Piece& operator=(const Piece&) = delete;
  std::string_view view() const { return view_; }

 private:
  char buf_[24];
  std::string owned_;
  std::string_view view_;
};
}  // namespace internal

// Appends strings, string views and numbers to `out`, growing it once.
template <typename... Args>
void StrAppend(std::string& out, const Args&... args) {
  if constexpr (sizeof...(Args) > 0) {
    const internal::Piece pieces[] = {internal::Piece(args)...};
    size_t size = out.size();
    for (const internal::Piece& p : pieces) size += p.view().size();
    out.reserve(size);
    for (const internal::Piece& p : pieces) out.append(p.view());
  }
}

// Concatenates strings, string views and numbers, with one allocation.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  StrAppend(out, args...);
  return out;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' ||
                        s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Splits at every `sep`; "a,,b" gives {"a", "", "b"}, "" gives {""}.
inline std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

}  // namespace spoor

// Decoder for the `d` parameter of Mautic's tracking pixel (mtracking.gif).
//
// A tracking site builds `d` as
//   urlencode(base64_encode(serialize(['page_url' => ..., 'email' => ...])))
// and Mautic answers with unserialize(base64_decode($d)). Spoor never runs
// a general-purpose unserializer on network input: this module accepts only
// the strict subset that serialize() produces for an array of scalars and
// nested arrays, under hard limits, and flattens the result into ordinary
// (key, value) parameters.
//
// Guarantees on hostile input: no crash, no read outside the input, no
// recursion (an explicit stack bounded by `max_depth`), and memory bounded
// by a small constant times the input size.
//
// Pure functions with no shared state: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace spoor::collect {

struct PhpDecodeLimits {
  size_t max_input_bytes = 16384;  // of the base64 text
  size_t max_elements = 100;       // total array elements, all levels
  size_t max_depth = 4;            // nesting of arrays
  size_t max_string_bytes = 8192;
};

// Decodes base64 (PHP's base64_decode non-strict: ignores characters outside
// the alphabet, accepts missing '=' padding, also accepts '-' '_' URL-safe
// variants) then PHP unserialize of a strict subset: a (array), s (string,
// byte length exact, must be followed by ";"), i (int), d (float incl.
// INF/-INF/NAN), b (bool), N (null). Rejects objects (O:, C:), references
// (r:, R:), enums (E:), trailing garbage, wrong lengths, limits exceeded.
// Top level must be an array.
//
// Returns the array flattened to (key, value) string pairs in order: int
// keys as decimal text, string values as is, ints as decimal, floats in
// shortest round-trip form, bools "1"/"" (PHP's string conversion:
// true->"1", false->""), null -> "". Nested arrays are flattened with PHP
// bracket keys: key "a" holding [x=>1] becomes "a[x]".
//
// Details of the subset:
// - The top-level array counts as depth 1; `max_depth` = 4 allows an array
//   inside an array inside an array inside the top-level one.
// - Array keys must be i or s. A key repeated within one array, or two
//   entries that flatten to the same key (top-level "a[x]" next to "a"
//   holding [x=>..]), is rejected: serialize() never produces either.
// - An empty nested array contributes no pair.
// - Strings are returned as raw bytes; they are not checked for UTF-8.
// - Integers outside int64 and finite floats outside double's range are
//   rejected.
// - The flattened output (keys repeat their parents' keys) is capped at 16
//   times the decoded size.
//
// Errors: InvalidArgument with a short human message naming the problem
// (e.g. "objects are not accepted", "string length mismatch at offset 12").
// Offsets count bytes of the base64-decoded text.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
DecodeTrackingPayload(std::string_view base64_text,
                      const PhpDecodeLimits& limits = {});

}  // namespace spoor::collect

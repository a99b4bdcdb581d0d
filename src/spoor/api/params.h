// Request parameters as Mautic's clients send them: a JSON body, or
// PHP-style bracketed form/query keys (where[0][col]=email, tags[]=a),
// turned into one JSON object so handlers read both the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/statusor.h"
#include "spoor/common/text.h"

namespace spoor::api {

struct ParamLimits {
  QueryLimits query{1000, 128, 64 * 1024};
  int max_depth = 5;
  size_t max_json_bytes = 1024 * 1024;
};

// Folds bracketed keys into nested objects; "k[]" appends to an array.
// Errors: InvalidArgument (malformed brackets, too deep, a key used both as
// a value and as a container).
absl::StatusOr<boost::json::object> BracketParams(const Params& params, const ParamLimits& limits);

// Parses a query string, and a body (JSON when `content_type` says so, else
// form-encoded), merged into one object; the body wins on a clash.
// Errors: InvalidArgument.
absl::StatusOr<boost::json::object> RequestParams(std::string_view query, std::string_view body,
                                                  std::string_view content_type,
                                                  const ParamLimits& limits = {});

// The elements of an array, or the values of an object ({"0": .., "1": ..},
// how PHP-style indexed keys arrive); a scalar is a list of one.
std::vector<const boost::json::value*> Elements(const boost::json::value& v);
// A scalar as text: strings as they are, numbers in decimal, true as "1",
// false as "0", null as "". Nullopt for arrays and objects.
std::optional<std::string> ScalarText(const boost::json::value& v);

}  // namespace spoor::api

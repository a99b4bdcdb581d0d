#include "spoor/api/params.h"

#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::api {
namespace json = boost::json;

namespace {

// "a[b][]" -> {"a", "b", ""}; an empty part means "append".
absl::StatusOr<std::vector<std::string>> SplitKey(std::string_view key, int max_depth) {
  std::vector<std::string> parts;
  size_t open = key.find('[');
  parts.emplace_back(key.substr(0, open));
  if (parts.back().empty()) return absl::InvalidArgumentError("a parameter name is empty");
  while (open != std::string_view::npos) {
    size_t close = key.find(']', open);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(StrCat("unclosed bracket in ", key));
    }
    parts.emplace_back(key.substr(open + 1, close - open - 1));
    if (static_cast<int>(parts.size()) > max_depth + 1) {
      return absl::InvalidArgumentError(StrCat("parameter nested too deep: ", key));
    }
    open = close + 1;
    if (open == key.size()) break;
    if (key[open] != '[') return absl::InvalidArgumentError(StrCat("malformed parameter ", key));
  }
  return parts;
}

}  // namespace

absl::StatusOr<json::object> BracketParams(const Params& params, const ParamLimits& limits) {
  json::object root;
  for (const auto& [key, value] : params) {
    SPOOR_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitKey(key, limits.max_depth));
    json::value* slot = nullptr;
    json::object* obj = &root;
    json::array* arr = nullptr;
    for (size_t i = 0; i < parts.size(); ++i) {
      const bool last = i + 1 == parts.size();
      const std::string& part = parts[i];
      if (arr != nullptr) {
        if (!part.empty()) return absl::InvalidArgumentError(StrCat("malformed parameter ", key));
        slot = &arr->emplace_back(nullptr);
      } else if (part.empty()) {
        return absl::InvalidArgumentError(StrCat("malformed parameter ", key));
      } else {
        slot = &(*obj)[part];
      }
      if (last) {
        // A repeated plain key: the last one wins, as in PHP.
        if (!slot->is_null() && !slot->is_string()) {
          return absl::InvalidArgumentError(StrCat("conflicting parameter ", key));
        }
        *slot = json::string(value);
        break;
      }
      const bool next_appends = parts[i + 1].empty();
      if (slot->is_null()) {
        if (next_appends) *slot = json::array();
        else *slot = json::object();
      }
      if (next_appends) {
        if (!slot->is_array()) return absl::InvalidArgumentError(StrCat("conflicting parameter ", key));
        arr = &slot->as_array();
        obj = nullptr;
      } else {
        if (!slot->is_object()) return absl::InvalidArgumentError(StrCat("conflicting parameter ", key));
        obj = &slot->as_object();
        arr = nullptr;
      }
    }
  }
  return root;
}

absl::StatusOr<json::object> RequestParams(std::string_view query, std::string_view body,
                                           std::string_view content_type,
                                           const ParamLimits& limits) {
  SPOOR_ASSIGN_OR_RETURN(Params q, ParseQuery(query, limits.query));
  SPOOR_ASSIGN_OR_RETURN(json::object out, BracketParams(q, limits));
  if (body.empty()) return out;
  if (content_type.find("json") != std::string_view::npos) {
    if (body.size() > limits.max_json_bytes) return absl::InvalidArgumentError("body too large");
    json::parse_options options;
    options.max_depth = limits.max_depth + 2;
    boost::system::error_code ec;
    json::value v = json::parse(body, ec, {}, options);
    if (ec) return absl::InvalidArgumentError(StrCat("body is not valid JSON: ", ec.message()));
    if (v.is_array()) {
      out["_items"] = std::move(v);  // a batch
      return out;
    }
    if (!v.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
    for (auto& [k, val] : v.as_object()) out[k] = std::move(val);
    return out;
  }
  SPOOR_ASSIGN_OR_RETURN(Params b, ParseQuery(body, limits.query));
  SPOOR_ASSIGN_OR_RETURN(json::object form, BracketParams(b, limits));
  for (auto& [k, val] : form) out[k] = std::move(val);
  return out;
}

std::vector<const json::value*> Elements(const json::value& v) {
  std::vector<const json::value*> out;
  if (const json::array* a = v.if_array()) {
    for (const json::value& e : *a) out.push_back(&e);
  } else if (const json::object* o = v.if_object()) {
    for (const auto& kv : *o) out.push_back(&kv.value());
  } else {
    out.push_back(&v);
  }
  return out;
}

std::optional<std::string> ScalarText(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return std::string(v.get_string());
    case json::kind::int64: return StrCat(v.get_int64());
    case json::kind::uint64: return StrCat(v.get_uint64());
    case json::kind::double_: return json::serialize(v);
    case json::kind::bool_: return std::string(v.get_bool() ? "1" : "0");
    case json::kind::null: return std::string();
    default: return std::nullopt;
  }
}

}  // namespace spoor::api

#include "spoor/collect/forms.h"

#include <boost/json.hpp>

#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::collect {
namespace {

bool IsAlias(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool IsType(std::string_view t) { return IsDataFieldType(t) || t == "button"; }

std::vector<std::string> Strings(const boost::json::object& o, const char* key) {
  std::vector<std::string> out;
  if (auto* a = o.if_contains(key); a && a->is_array()) {
    for (const auto& v : a->as_array()) {
      if (v.is_string()) out.emplace_back(v.as_string());
    }
  }
  return out;
}

std::string Str(const boost::json::object& o, const char* key, std::string fallback = "") {
  if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return fallback;
}

std::string ValidateValue(const FormField& f, std::string_view v) {
  if (v.size() > f.max_length) return "is too long";
  if (f.type == "email") {
    size_t at = v.find('@');
    if (at == std::string_view::npos || at == 0 || v.find('.', at) == std::string_view::npos ||
        v.back() == '.' || v.find(' ') != std::string_view::npos) {
      return "must be a valid email address";
    }
  } else if (f.type == "number") {
    bool digit = false;
    for (size_t i = 0; i < v.size(); ++i) {
      char c = v[i];
      if (c >= '0' && c <= '9') digit = true;
      else if (!(c == '.' || (i == 0 && c == '-'))) return "must be a number";
    }
    if (!digit) return "must be a number";
  } else if (f.type == "tel") {
    for (char c : v) {
      if (!((c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '-' || c == '(' || c == ')' ||
            c == '.')) {
        return "must be a phone number";
      }
    }
  }
  return "";
}

}  // namespace

bool IsDataFieldType(std::string_view t) {
  return t == "text" || t == "email" || t == "tel" || t == "number" || t == "checkbox" ||
         t == "textarea" || t == "hidden";
}

absl::StatusOr<FormField> ParseFieldSpec(std::string_view spec) {
  FormField f;
  size_t pos = 0;
  int part = 0;
  while (pos <= spec.size()) {
    size_t colon = spec.find(':', pos);
    std::string_view piece = spec.substr(pos, colon == std::string_view::npos ? spec.npos : colon - pos);
    if (part == 0) {
      if (!IsAlias(piece)) {
        return absl::InvalidArgumentError(
            StrCat("field name '", piece, "': use lower-case letters, digits and _"));
      }
      f.alias = std::string(piece);
      f.contact_field = f.alias;
      if (f.alias == "email") f.type = "email";
      if (f.alias == "phone") f.type = "tel";
    } else if (piece == "required") {
      f.required = true;
    } else if (IsDataFieldType(piece)) {
      f.type = std::string(piece);
    } else {
      return absl::InvalidArgumentError(
          StrCat("field '", f.alias, "': unknown modifier '", piece,
                 "' (use required, text, email, tel, number, checkbox, textarea, hidden)"));
    }
    ++part;
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  return f;
}

absl::StatusOr<FormDefinition> ParseFormDefinition(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(json.data(), json.size()), ec);
  if (ec || !v.is_object()) return absl::InvalidArgumentError("form definition is not an object");
  const auto& o = v.as_object();
  FormDefinition form;
  form.name = Str(o, "name");
  form.alias = Str(o, "alias");
  form.description = Str(o, "description");
  if (auto* p = o.if_contains("published"); p && p->is_bool()) form.published = p->as_bool();
  form.post_action = Str(o, "post_action");
  if (auto* m = o.if_contains("modified_at"); m && m->is_int64()) form.modified_at_us = m->as_int64();
  form.redirect_url = Str(o, "redirect_url");
  form.message = Str(o, "message", form.message);
  form.add_tags = Strings(o, "add_tags");
  form.remove_tags = Strings(o, "remove_tags");
  form.consents = Strings(o, "consents");
  if (auto* fields = o.if_contains("fields"); fields && fields->is_array()) {
    for (const auto& item : fields->as_array()) {
      if (!item.is_object()) return absl::InvalidArgumentError("form field is not an object");
      const auto& fo = item.as_object();
      FormField f;
      f.alias = Str(fo, "alias");
      f.contact_field = Str(fo, "contact_field");
      f.type = Str(fo, "type", "text");
      f.label = Str(fo, "label");
      f.default_value = Str(fo, "default_value");
      if (auto* r = fo.if_contains("required"); r && r->is_bool()) f.required = r->as_bool();
      if (!IsAlias(f.alias) || !IsType(f.type)) {
        return absl::InvalidArgumentError(StrCat("bad form field '", f.alias, "'"));
      }
      form.fields.push_back(std::move(f));
    }
  }
  return form;
}

std::string FormDefinitionToJson(const FormDefinition& form) {
  boost::json::array fields;
  for (const FormField& f : form.fields) {
    boost::json::object o{{"alias", f.alias},
                          {"contact_field", f.contact_field},
                          {"type", f.type},
                          {"required", f.required}};
    if (!f.label.empty()) o["label"] = f.label;
    if (!f.default_value.empty()) o["default_value"] = f.default_value;
    fields.push_back(std::move(o));
  }
  auto list = [](const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  boost::json::object o{{"name", form.name},         {"fields", fields},
                        {"add_tags", list(form.add_tags)}, {"remove_tags", list(form.remove_tags)},
                        {"consents", list(form.consents)}, {"redirect_url", form.redirect_url},
                        {"message", form.message}};
  if (form.id != 0) o["id"] = form.id;
  if (!form.alias.empty()) o["alias"] = form.alias;
  if (!form.description.empty()) o["description"] = form.description;
  if (!form.published) o["published"] = false;
  if (!form.post_action.empty()) o["post_action"] = form.post_action;
  if (form.modified_at_us != 0) o["modified_at"] = form.modified_at_us;
  return boost::json::serialize(o);
}

FormSubmission ReadSubmission(const FormDefinition& form, const Params& params) {
  FormSubmission sub;
  auto get = [&](std::string_view name) -> const std::string* {
    if (const std::string* v = FindParam(params, StrCat("mauticform[", name, "]"))) return v;
    return FindParam(params, name);
  };
  for (const FormField& f : form.fields) {
    if (f.type == "button") continue;
    const std::string* raw = get(f.alias);
    std::string value(raw ? TrimAscii(*raw) : std::string_view());
    if (value.empty()) {
      if (f.required) sub.errors[f.alias] = "is required";
      continue;
    }
    if (std::string problem = ValidateValue(f, value); !problem.empty()) {
      sub.errors[f.alias] = problem;
      continue;
    }
    if (f.type == "email") value = AsciiLower(value);
    sub.values.emplace_back(f.alias, std::move(value));
  }
  if (const std::string* r = get("return")) sub.return_url = *r;
  const std::string* ajax = FindParam(params, "ajax");
  sub.ajax = ajax != nullptr && (*ajax == "1" || *ajax == "true");
  return sub;
}

absl::StatusOr<Params> JsonBodyToParams(std::string_view body, const QueryLimits& limits) {
  boost::json::parse_options options;
  options.max_depth = 3;
  boost::system::error_code ec;
  boost::json::value v =
      boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, {}, options);
  if (ec || !v.is_object()) return absl::InvalidArgumentError("body is not a JSON object");
  const boost::json::object* o = &v.as_object();
  if (auto* inner = o->if_contains("mauticform"); inner && inner->is_object()) o = &inner->as_object();
  Params out;
  for (const auto& [k, val] : *o) {
    if (out.size() >= limits.max_params) return absl::InvalidArgumentError("too many fields");
    std::string text;
    if (val.is_string()) text = std::string(val.as_string());
    else if (val.is_int64()) text = std::to_string(val.as_int64());
    else if (val.is_double()) text = boost::json::serialize(val);
    else if (val.is_bool()) text = val.as_bool() ? "1" : "";
    else if (val.is_null()) text = "";
    else return absl::InvalidArgumentError(StrCat("field '", std::string_view(k.data(), k.size()),
                                                  "' is not a scalar"));
    if (text.size() > limits.max_value_bytes || text.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError("field value too long or has a NUL byte");
    }
    out.emplace_back(RepairUtf8(std::string_view(k.data(), k.size())), RepairUtf8(text));
  }
  return out;
}

}  // namespace spoor::collect

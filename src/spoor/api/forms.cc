#include "spoor/api/forms.h"

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "spoor/api/params.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::api {
namespace json = boost::json;

namespace {

constexpr std::string_view kTagsAction = "lead.changetags";

// Collects the errors of one payload, keyed as Mautic's form errors are.
struct Errors {
  std::vector<FieldError>& out;
  void Add(std::string alias, std::string message) {
    out.push_back({std::move(alias), std::move(message)});
  }
};

std::optional<bool> ReadBool(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64() && (v.get_int64() == 0 || v.get_int64() == 1)) return v.get_int64() == 1;
  if (v.is_uint64() && v.get_uint64() <= 1) return v.get_uint64() == 1;
  if (v.is_string()) {
    std::string s = AsciiLower(TrimAscii(v.get_string()));
    if (s == "1" || s == "true" || s == "yes") return true;
    if (s == "0" || s == "false" || s == "no" || s.empty()) return false;
  }
  return std::nullopt;
}

// A string (or number) of at most `max` bytes, trimmed; null is "". Records
// an error and returns nullopt otherwise.
std::optional<std::string> ReadText(const json::value& v, size_t max, std::string_view key,
                                    Errors& errors) {
  if (v.is_null()) return std::string();
  std::optional<std::string> text = (v.is_array() || v.is_object()) ? std::nullopt : ScalarText(v);
  if (!text) {
    errors.Add(std::string(key), "This value should be a string.");
    return std::nullopt;
  }
  std::string clean = RepairUtf8(TrimAscii(*text));
  if (clean.size() > max || clean.find('\0') != std::string::npos) {
    errors.Add(std::string(key), StrCat("This value is too long. It should have ", max,
                                        " characters or less."));
    return std::nullopt;
  }
  return clean;
}

bool IsHttpUrl(std::string_view url) {
  if (!StartsWith(url, "http://") && !StartsWith(url, "https://")) return false;
  size_t host = url.find("://") + 3;
  if (host >= url.size() || url[host] == '/') return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

bool KnownContactField(const store::Workspace& ws, std::string_view alias) {
  return std::any_of(ws.fields.begin(), ws.fields.end(),
                     [&](const store::FieldDefinition& f) { return f.alias == alias; });
}

// Tags of a lead.changetags action: an array or a comma-separated string.
std::vector<std::string> ReadTags(const json::value* v, const FormLimits& limits,
                                  std::string_view key, Errors& errors) {
  std::vector<std::string> out;
  if (v == nullptr || v->is_null()) return out;
  std::vector<std::string> raw;
  if (v->is_string()) {
    for (std::string_view t : Split(v->get_string(), ',')) raw.emplace_back(t);
  } else {
    for (const json::value* e : Elements(*v)) {
      std::optional<std::string> t = (e->is_array() || e->is_object()) ? std::nullopt : ScalarText(*e);
      if (!t) {
        errors.Add(std::string(key), "Tags are strings.");
        return {};
      }
      raw.push_back(std::move(*t));
    }
  }
  for (const std::string& t : raw) {
    std::string tag = RepairUtf8(TrimAscii(t));
    if (tag.empty()) continue;
    if (tag.size() > limits.max_tag_bytes) {
      errors.Add(std::string(key), StrCat("A tag has at most ", limits.max_tag_bytes, " bytes."));
      return {};
    }
    if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(std::move(tag));
  }
  if (out.size() > limits.max_tags) {
    errors.Add(std::string(key), StrCat("At most ", limits.max_tags, " tags."));
    return {};
  }
  return out;
}

// Reads one element of `fields` into `f` (a copy of the field it edits, or
// a new one when `is_new`).
void ReadField(const json::object& in, const store::Workspace& ws, const FormLimits& limits,
               bool is_new, const std::string& prefix, collect::FormField& f, bool& alias_given,
               Errors& errors) {
  auto key = [&](std::string_view k) { return StrCat(prefix, k); };
  if (const json::value* v = in.if_contains("label")) {
    if (auto t = ReadText(*v, limits.max_text_bytes, key("label"), errors)) f.label = *t;
  }
  alias_given = false;
  if (const json::value* v = in.if_contains("alias"); v && !v->is_null()) {
    if (auto t = ReadText(*v, limits.max_text_bytes, key("alias"), errors); t && !t->empty()) {
      std::string alias = MakeAlias(*t, 64);
      if (alias.empty()) {
        errors.Add(key("alias"), "Use letters, digits and _.");
      } else {
        f.alias = std::move(alias);
        alias_given = true;
      }
    }
  }
  if (is_new && f.label.empty() && !alias_given) errors.Add(key("label"), "A label is required.");
  if (const json::value* v = in.if_contains("type")) {
    std::optional<std::string> t = ReadText(*v, 32, key("type"), errors);
    if (t && (collect::IsDataFieldType(*t) || *t == "button")) {
      f.type = *t;
    } else if (t) {
      errors.Add(key("type"), StrCat("Unsupported field type '", *t,
                                     "'; use text, email, tel, number, checkbox, textarea, "
                                     "hidden or button."));
    }
  }
  if (const json::value* v = in.if_contains("isRequired")) {
    if (std::optional<bool> b = ReadBool(*v)) f.required = *b;
    else errors.Add(key("isRequired"), "This value should be a boolean.");
  }
  if (const json::value* v = in.if_contains("defaultValue")) {
    if (auto t = ReadText(*v, limits.max_long_text_bytes, key("defaultValue"), errors)) {
      f.default_value = *t;
    }
  }
  if (const json::value* v = in.if_contains("mappedObject"); v && !v->is_null()) {
    std::optional<std::string> t = ReadText(*v, 32, key("mappedObject"), errors);
    if (t && !t->empty() && *t != "contact") {
      errors.Add(key("mappedObject"), "Form fields fill contact fields only (mappedObject contact).");
    }
  }
  // mappedField is Mautic's current name, leadField the older one.
  const json::value* mapped = in.if_contains("mappedField");
  if (mapped == nullptr || mapped->is_null()) mapped = in.if_contains("leadField");
  if (mapped != nullptr) {
    std::string_view name = in.contains("mappedField") && !in.at("mappedField").is_null()
                                ? "mappedField" : "leadField";
    if (auto t = ReadText(*mapped, 64, key(name), errors)) {
      if (!t->empty() && !KnownContactField(ws, *t)) {
        errors.Add(key(name), StrCat("'", *t, "' is not a contact field of this workspace."));
      } else {
        f.contact_field = *t;
      }
    }
  }
  if (f.type == "button") {
    f.required = false;
    f.contact_field.clear();
  }
}

// A field alias unique within `fields`: `alias`, alias1, alias2, ...
std::string UniqueAlias(const std::vector<collect::FormField>& fields, std::string alias,
                        size_t skip) {
  auto taken = [&](const std::string& a) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i != skip && fields[i].alias == a) return true;
    }
    return false;
  };
  if (!taken(alias)) return alias;
  for (int n = 1;; ++n) {
    std::string candidate = StrCat(alias, n);
    if (!taken(candidate)) return candidate;
  }
}

void ReadFields(const json::value& v, const store::Workspace& ws, const FormLimits& limits,
                std::vector<collect::FormField>& fields, Errors& errors) {
  std::vector<const json::value*> items = Elements(v);
  if (v.is_null()) items.clear();
  if (items.size() > limits.max_fields) {
    errors.Add("fields", StrCat("A form has at most ", limits.max_fields, " fields."));
    return;
  }
  // Entries edit the fields the form had before this payload, never each other.
  const size_t before_payload = fields.size();
  for (size_t i = 0; i < items.size(); ++i) {
    std::string prefix = StrCat("fields[", i, "].");
    if (!items[i]->is_object()) {
      errors.Add(StrCat("fields[", i, "]"), "A field is an object.");
      continue;
    }
    const json::object& in = items[i]->as_object();
    // An existing field by id (its position) or alias; else a new one.
    std::optional<size_t> at;
    if (const json::value* id = in.if_contains("id"); id && !id->is_null()) {
      int64_t n = 0;
      std::optional<std::string> t = ScalarText(*id);
      if (t && absl::SimpleAtoi(ToAbsl(*t), &n) && n >= 1 &&
          static_cast<size_t>(n) <= before_payload) {
        at = static_cast<size_t>(n - 1);
      }
    }
    if (!at) {
      if (const json::value* a = in.if_contains("alias"); a && a->is_string()) {
        std::string alias = MakeAlias(a->get_string(), 64);
        for (size_t k = 0; k < before_payload; ++k) {
          if (!alias.empty() && fields[k].alias == alias) at = k;
        }
      }
    }
    collect::FormField f = at ? fields[*at] : collect::FormField();
    bool alias_given = false;
    size_t before = errors.out.size();
    ReadField(in, ws, limits, !at.has_value(), prefix, f, alias_given, errors);
    if (errors.out.size() != before) continue;
    size_t self = at ? *at : fields.size();
    if (!alias_given && f.alias.empty()) {
      std::string alias = MakeAlias(f.label, limits.max_field_alias_bytes);
      if (alias.empty()) alias = StrCat("field", self + 1);
      f.alias = UniqueAlias(fields, std::move(alias), self);
    } else if (UniqueAlias(fields, f.alias, self) != f.alias) {
      errors.Add(prefix + "alias", StrCat("The alias '", f.alias, "' is used by another field."));
      continue;
    }
    if (f.label.empty()) f.label = f.alias;
    if (at) fields[*at] = std::move(f);
    else fields.push_back(std::move(f));
  }
}

void ReadActions(const json::value& v, const FormLimits& limits, collect::FormDefinition& form,
                 Errors& errors) {
  form.add_tags.clear();
  form.remove_tags.clear();
  if (v.is_null()) return;
  std::vector<const json::value*> items = Elements(v);
  for (size_t i = 0; i < items.size(); ++i) {
    std::string prefix = StrCat("actions[", i, "]");
    const json::object* a = items[i]->if_object();
    const json::value* type = a ? a->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string() || type->get_string() != kTagsAction) {
      errors.Add(prefix + ".type", StrCat("Spoor runs one form action: ", kTagsAction,
                                          " (properties add_tags, remove_tags)."));
      continue;
    }
    const json::value* props = a->if_contains("properties");
    const json::object* p = props ? props->if_object() : nullptr;
    if (p == nullptr) {
      errors.Add(prefix + ".properties", "Properties are required.");
      continue;
    }
    for (std::string& t : ReadTags(p->if_contains("add_tags"), limits, prefix + ".properties.add_tags", errors)) {
      if (std::find(form.add_tags.begin(), form.add_tags.end(), t) == form.add_tags.end()) form.add_tags.push_back(std::move(t));
    }
    for (std::string& t : ReadTags(p->if_contains("remove_tags"), limits, prefix + ".properties.remove_tags", errors)) {
      if (std::find(form.remove_tags.begin(), form.remove_tags.end(), t) == form.remove_tags.end()) form.remove_tags.push_back(std::move(t));
    }
  }
}

std::string PostAction(const collect::FormDefinition& form) {
  if (!form.post_action.empty()) return form.post_action;
  return form.redirect_url.empty() ? "message" : "redirect";
}

void ReadPostAction(const json::object& params, const FormLimits& limits,
                    collect::FormDefinition& form, Errors& errors) {
  std::string action = PostAction(form);
  if (const json::value* v = params.if_contains("postAction"); v && !v->is_null()) {
    std::optional<std::string> t = ReadText(*v, 32, "postAction", errors);
    if (!t) return;
    if (*t != "message" && *t != "redirect" && *t != "return") {
      errors.Add("postAction", "Use message, redirect or return.");
      return;
    }
    action = *t;
  }
  const json::value* prop = params.if_contains("postActionProperty");
  std::optional<std::string> text;
  if (prop != nullptr) {
    text = ReadText(*prop, std::max(limits.max_long_text_bytes, limits.max_url_bytes),
                    "postActionProperty", errors);
    if (!text) return;
  }
  if (action == "redirect") {
    std::string url = text ? *text : form.redirect_url;
    if (url.size() > limits.max_url_bytes || !IsHttpUrl(url)) {
      errors.Add("postActionProperty", "A valid URL is required.");
      return;
    }
    form.redirect_url = std::move(url);
  } else {
    form.redirect_url.clear();
    if (action == "message" && text) {
      if (text->empty()) {
        errors.Add("postActionProperty", "A message is required.");
        return;
      }
      form.message = *text;
    }
  }
  form.post_action = action;
}

json::value NullIfEmpty(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

json::object RenderFormField(const collect::FormField& f, int position) {
  json::value mapped = NullIfEmpty(f.contact_field);
  return json::object{{"id", position},
                      {"label", f.label.empty() ? f.alias : f.label},
                      {"showLabel", true},
                      {"alias", f.alias},
                      {"type", f.type},
                      {"defaultValue", NullIfEmpty(f.default_value)},
                      {"isRequired", f.required},
                      {"validationMessage", nullptr},
                      {"helpMessage", nullptr},
                      {"order", position},
                      {"properties", json::array()},
                      {"validation", json::array()},
                      {"parent", nullptr},
                      {"conditions", json::array()},
                      {"labelAttributes", nullptr},
                      {"inputAttributes", nullptr},
                      {"containerAttributes", nullptr},
                      {"leadField", mapped},
                      {"saveResult", true},
                      {"isAutoFill", false},
                      {"isReadOnly", false},
                      {"mappedObject", f.contact_field.empty() ? json::value(nullptr) : json::value("contact")},
                      {"mappedField", mapped},
                      {"fieldWidth", "100%"}};
}

}  // namespace

std::string MakeAlias(std::string_view text, size_t max_bytes) {
  std::string out;
  bool gap = false;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!keep) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out.push_back('_');
    gap = false;
    out.push_back(c);
    if (out.size() >= max_bytes) break;
  }
  if (out.size() > max_bytes) out.resize(max_bytes);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

FormWrite ReadFormWrite(const json::object& params, const store::Workspace& ws,
                        const collect::FormDefinition* base, const FormLimits& limits) {
  FormWrite w;
  Errors errors{w.errors};
  if (base != nullptr) {
    w.form = *base;
  }
  bool name_read = true;
  if (const json::value* v = params.if_contains("name")) {
    std::optional<std::string> t = ReadText(*v, limits.max_text_bytes, "name", errors);
    if (t) w.form.name = *t;
    name_read = t.has_value();
  }
  if (name_read && w.form.name.empty()) errors.Add("name", "A name is required.");
  if (const json::value* v = params.if_contains("alias"); v && !v->is_null()) {
    if (auto t = ReadText(*v, limits.max_text_bytes, "alias", errors)) {
      w.form.alias = MakeAlias(*t, limits.max_text_bytes);
    }
  }
  if (w.form.alias.empty()) w.form.alias = MakeAlias(w.form.name, limits.max_form_alias_bytes);
  if (const json::value* v = params.if_contains("description")) {
    if (auto t = ReadText(*v, limits.max_long_text_bytes, "description", errors)) {
      w.form.description = *t;
    }
  }
  if (const json::value* v = params.if_contains("isPublished")) {
    if (std::optional<bool> b = ReadBool(*v)) w.form.published = *b;
    else errors.Add("isPublished", "This value should be a boolean.");
  }
  if (const json::value* v = params.if_contains("formType"); v && !v->is_null()) {
    std::optional<std::string> t = ScalarText(*v);
    if (!t || (*t != "standalone" && *t != "campaign")) {
      errors.Add("formType", "Use standalone or campaign.");
    }
  }
  if (const json::value* v = params.if_contains("fields")) {
    if (base == nullptr) w.form.fields.clear();
    ReadFields(*v, ws, limits, w.form.fields, errors);
  }
  if (const json::value* v = params.if_contains("actions")) ReadActions(*v, limits, w.form, errors);
  ReadPostAction(params, limits, w.form, errors);
  return w;
}

json::object RenderForm(const collect::FormDefinition& form, int64_t created_at_us) {
  json::array fields;
  int position = 0;
  for (const collect::FormField& f : form.fields) fields.push_back(RenderFormField(f, ++position));
  json::array actions;
  if (!form.add_tags.empty() || !form.remove_tags.empty()) {
    json::array add(form.add_tags.begin(), form.add_tags.end());
    json::array remove(form.remove_tags.begin(), form.remove_tags.end());
    actions.push_back(json::object{
        {"id", 1},
        {"name", "Change tags"},
        {"description", nullptr},
        {"type", kTagsAction},
        {"order", 1},
        {"properties", json::object{{"add_tags", std::move(add)}, {"remove_tags", std::move(remove)}}}});
  }
  std::string action = PostAction(form);
  json::value property = action == "redirect"  ? json::value(form.redirect_url)
                         : action == "message" ? json::value(form.message)
                                               : json::value(nullptr);
  return json::object{
      {"isPublished", form.published},
      {"dateAdded", created_at_us > 0 ? json::value(MauticTime(created_at_us)) : json::value(nullptr)},
      {"dateModified", form.modified_at_us > 0 ? json::value(MauticTime(form.modified_at_us))
                                               : json::value(nullptr)},
      {"createdBy", nullptr},
      {"createdByUser", nullptr},
      {"modifiedBy", nullptr},
      {"modifiedByUser", nullptr},
      {"id", form.id},
      {"name", form.name},
      {"alias", form.alias.empty() ? MakeAlias(form.name, 10) : form.alias},
      {"category", nullptr},
      {"description", NullIfEmpty(form.description)},
      {"cachedHtml", nullptr},
      {"publishUp", nullptr},
      {"publishDown", nullptr},
      {"fields", std::move(fields)},
      {"actions", std::move(actions)},
      {"template", nullptr},
      {"inKioskMode", false},
      {"renderStyle", false},
      {"formType", "standalone"},
      {"postAction", action},
      {"postActionProperty", std::move(property)},
      {"noIndex", false},
      {"formAttributes", nullptr},
      {"language", nullptr}};
}

absl::StatusOr<collect::FormDefinition> FindForm(const store::Workspace& ws, int64_t id,
                                                 int64_t* created_at_us) {
  for (const store::FormRecord& r : ws.forms) {
    if (r.id != id) continue;
    absl::StatusOr<collect::FormDefinition> form = collect::ParseFormDefinition(r.definition);
    if (!form.ok()) return absl::DataLossError(StrCat("form ", id, " is unreadable"));
    form->id = r.id;
    if (form->name.empty()) form->name = r.name;
    if (created_at_us != nullptr) *created_at_us = r.created_at_us;
    return form;
  }
  return absl::NotFoundError(StrCat("no form ", id));
}

absl::StatusOr<json::object> ListForms(const store::Workspace& ws, const json::object& params,
                                       const FormLimits& limits) {
  auto text = [&](std::string_view key) -> std::string {
    const json::value* v = params.if_contains(key);
    return v ? ScalarText(*v).value_or("") : "";
  };
  int64_t start = 0;
  int64_t limit = limits.default_page;
  if (std::string s = text("start"); !s.empty() && (!absl::SimpleAtoi(ToAbsl(s), &start) || start < 0)) {
    return absl::InvalidArgumentError("start must be a number >= 0");
  }
  if (std::string s = text("limit"); !s.empty()) {
    if (!absl::SimpleAtoi(ToAbsl(s), &limit) || limit < 0) {
      return absl::InvalidArgumentError("limit must be a number >= 0");
    }
    limit = std::min<int64_t>(limit == 0 ? limits.default_page : limit, limits.max_page);
  }
  std::string order = text("orderBy");
  if (StartsWith(order, "f.")) order = order.substr(2);
  if (order.empty()) order = "id";
  if (order != "id" && order != "name" && order != "alias" && order != "dateAdded" &&
      order != "date_added") {
    return absl::InvalidArgumentError("orderBy: use id, name, alias or dateAdded");
  }
  std::string dir = AsciiLower(text("orderByDir"));
  if (!dir.empty() && dir != "asc" && dir != "desc") {
    return absl::InvalidArgumentError("orderByDir: use ASC or DESC");
  }
  std::string search = AsciiLower(TrimAscii(text("search")));
  for (std::string_view prefix : {"name:", "alias:"}) {
    if (StartsWith(search, prefix)) search = search.substr(prefix.size());
  }
  std::optional<bool> published_only = ReadBool(json::value(text("publishedOnly")));
  if (!published_only || !*published_only) published_only = ReadBool(json::value(text("published")));

  struct Row {
    collect::FormDefinition form;
    int64_t created_at_us;
  };
  std::vector<Row> rows;
  for (const store::FormRecord& r : ws.forms) {
    int64_t created = 0;
    absl::StatusOr<collect::FormDefinition> form = FindForm(ws, r.id, &created);
    if (!form.ok()) continue;  // unreadable: not served (the server logs it)
    if (published_only.value_or(false) && !form->published) continue;
    if (!search.empty() && AsciiLower(form->name).find(search) == std::string::npos &&
        AsciiLower(form->alias).find(search) == std::string::npos) {
      continue;
    }
    rows.push_back({std::move(*form), created});
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (order == "name") return AsciiLower(a.form.name) < AsciiLower(b.form.name);
    if (order == "alias") return a.form.alias < b.form.alias;
    if (order == "id") return a.form.id < b.form.id;
    return a.created_at_us < b.created_at_us;
  });
  if (dir == "desc") std::reverse(rows.begin(), rows.end());
  json::array forms;
  for (size_t i = static_cast<size_t>(std::min<int64_t>(start, static_cast<int64_t>(rows.size())));
       i < rows.size() && forms.size() < static_cast<size_t>(limit); ++i) {
    forms.push_back(RenderForm(rows[i].form, rows[i].created_at_us));
  }
  return json::object{{"total", static_cast<int64_t>(rows.size())}, {"forms", std::move(forms)}};
}

}  // namespace spoor::api

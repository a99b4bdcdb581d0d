// Mautic's forms API without the HTTP: a create/edit payload read into
// Spoor's form definition (collect/forms.h), and definitions rendered in
// Mautic's JSON shape (FormBundle's Form and Field entities).
//
// Mapping: Mautic's field `leadField` / `mappedField` (with `mappedObject`
// "contact") is the contact field a form field fills; field ids are their
// positions in the form (1-based); `postAction` message | redirect | return
// with `postActionProperty` is the message or the redirect URL; the one
// action Spoor runs is `lead.changetags` (properties add_tags, remove_tags).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/statusor.h"
#include "spoor/api/contacts.h"
#include "spoor/collect/forms.h"
#include "spoor/store/store.h"

namespace spoor::api {

struct FormLimits {
  size_t max_fields = 100;
  size_t max_text_bytes = 255;         // name, alias, label
  size_t max_long_text_bytes = 4096;   // description, message, default value
  size_t max_url_bytes = 2048;
  size_t max_tags = 50;
  size_t max_tag_bytes = 100;
  size_t max_field_alias_bytes = 25;   // generated from a label
  size_t max_form_alias_bytes = 10;    // generated from the name
  int default_page = 30;
  int max_page = 1000;
};

struct FormWrite {
  collect::FormDefinition form;
  std::vector<FieldError> errors;  // non-empty: refuse the write (400)
};

// Reads a POST /api/forms/new or PUT|PATCH /api/forms/{id}/edit payload.
// `base` is the stored form for PATCH: keys left out keep their values and
// fields are matched to its fields by id (position) or alias and merged;
// null for POST and PUT, which describe the whole form. Keys Spoor has no
// use for (template, category, ...) are ignored, as Mautic ignores unknown
// ones; values of known keys are checked strictly.
FormWrite ReadFormWrite(const boost::json::object& params, const store::Workspace& ws,
                        const collect::FormDefinition* base, const FormLimits& limits = {});

// A form as Mautic renders it ({"form": <this>}). `created_at_us` is the
// store's creation time.
boost::json::object RenderForm(const collect::FormDefinition& form, int64_t created_at_us);

// The workspace's form `id` as stored. Errors: NotFound (also for another
// workspace's form), DataLoss for a definition that does not parse.
absl::StatusOr<collect::FormDefinition> FindForm(const store::Workspace& ws, int64_t id,
                                                 int64_t* created_at_us);

// GET /api/forms: {"total": n, "forms": [...]} with search (in the name or
// alias), start, limit, orderBy (id, name, alias, dateAdded), orderByDir,
// publishedOnly. Errors: InvalidArgument for a bad parameter.
absl::StatusOr<boost::json::object> ListForms(const store::Workspace& ws,
                                              const boost::json::object& params,
                                              const FormLimits& limits = {});

// Mautic's alias of a label or name: lower-case ASCII letters and digits,
// other runs as "_", trimmed of "_", at most `max_bytes`. May be empty.
std::string MakeAlias(std::string_view text, size_t max_bytes);

}  // namespace spoor::api

// Forms: definitions (fields mapped to contact fields, validation rules,
// actions) and submissions in Mautic's encoding (mauticform[field]=...),
// plain field names, or JSON. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "spoor/common/text.h"

namespace spoor::collect {

struct FormField {
  std::string alias;          // name in the submission
  std::string contact_field;  // contact field it sets; empty = kept on the submission only
  // text | email | tel | number | checkbox | textarea | hidden, or button
  // (shown on the form, never read from a submission).
  std::string type = "text";
  bool required = false;
  size_t max_length = 512;
  std::string label;          // shown on the form; empty = the alias
  std::string default_value;
};

struct FormDefinition {
  int64_t id = 0;
  std::string name;
  std::string alias;        // short name (Mautic's form alias); may be empty
  std::string description;
  bool published = true;    // an unpublished form takes no submissions
  // What follows a submission, as Mautic names it: message (show `message`),
  // redirect (go to redirect_url), return (back to the page). Empty: redirect
  // when redirect_url is set, else message.
  std::string post_action;
  int64_t modified_at_us = 0;  // latest edit through the API; 0 = never
  std::vector<FormField> fields;
  std::vector<std::string> add_tags, remove_tags;
  std::vector<std::string> consents;  // e.g. "tracking": sets consent_tracking = 1
  std::string redirect_url;           // where to go after success (allowed domains only)
  std::string message = "Thank you.";
};

// Whether `type` is a field type that carries a value (every type but button).
bool IsDataFieldType(std::string_view type);

// "email:required", "phone:tel", "firstname", "company:text:required".
// Errors: InvalidArgument for an unknown type or modifier, or a bad alias.
absl::StatusOr<FormField> ParseFieldSpec(std::string_view spec);
absl::StatusOr<FormDefinition> ParseFormDefinition(std::string_view json);
std::string FormDefinitionToJson(const FormDefinition& form);

struct FormSubmission {
  std::vector<std::pair<std::string, std::string>> values;  // by form field alias
  std::map<std::string, std::string> errors;                 // alias -> message
  std::string return_url;
  bool ajax = false;
};

// Reads the form's fields from the request parameters (mauticform[alias]
// first, then alias) and validates them.
FormSubmission ReadSubmission(const FormDefinition& form, const Params& params);
// The same from a JSON object body ({"email": ...} or {"mauticform": {...}}).
// Errors: InvalidArgument when the body is not a JSON object of scalars.
absl::StatusOr<Params> JsonBodyToParams(std::string_view body, const QueryLimits& limits);

}  // namespace spoor::collect

// The prompt-template library stored in the catalog (tables templates, wildcards), and
// the prompt history that template suggestions are mined from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/prompt_template.h"
#include "core/result.h"
#include "db/catalog.h"

namespace provena {

Result<std::vector<PromptTemplate>> list_templates(const Catalog& catalog);
Result<std::optional<PromptTemplate>> find_template(const Catalog& catalog, const std::string& name);
// Adds a new template (version 1); fails when the name is taken or the text has a syntax error.
Status add_template(Catalog& catalog, const PromptTemplate& tpl);
// Replaces prompt, negative, slots and params of an existing template and bumps its version.
Result<int> update_template(Catalog& catalog, const PromptTemplate& tpl);
Status remove_template(Catalog& catalog, const std::string& name);

Result<WildcardLists> list_wildcards(const Catalog& catalog);
// Empty `values` removes the list.
Status set_wildcard(Catalog& catalog, const std::string& name, const std::vector<std::string>& values);

// Imports an exchange file's content in one transaction: new names are added, existing
// ones updated (version bumped) when their text differs; wildcards replaced by name.
struct TemplateImportCounts {
  int added = 0, updated = 0, unchanged = 0, wildcards = 0;
};
Result<TemplateImportCounts> import_templates(Catalog& catalog, const std::vector<PromptTemplate>& templates,
                                              const WildcardLists& wildcards);

// Distinct positive prompts of the records a query selects ("" = all) with how many
// records used each, most used first, at most `limit` (suggestions need the head only).
Result<std::vector<PromptSample>> prompt_history(const Catalog& catalog, const std::string& query, int limit = 50000);

}  // namespace provena

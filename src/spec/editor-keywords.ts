// Annotations the schemas carry for editors only (VS Code's JSON/YAML
// services and yaml-language-server read them for hover and completion).
// ajv's strict mode rejects keywords it does not know, so they are declared.
export const EDITOR_KEYWORDS = [
  "markdownDescription",
  "enumDescriptions",
  "markdownEnumDescriptions",
] as const;

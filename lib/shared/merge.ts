/** A plain YAML/JSON mapping. */
export type Mapping = { [key: string]: unknown };

export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deep merge as dagster-uc does it: mappings merge key by key, lists and scalars replace.
 * Neither input is modified.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isMapping(base) || !isMapping(override)) return override;
  const merged: Mapping = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

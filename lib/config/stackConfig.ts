import type { Mapping } from "../shared/merge";
import type { ConfigLayer } from "./resolve";

/** The key in Pulumi.yaml's project config that holds the seed's `defaults` section. */
export const DEFAULTS_KEY = "defaults";

export interface StackConfigLayers {
  readonly defaults: ConfigLayer;
  readonly stack: ConfigLayer;
}

/**
 * Splits a stack's config, as Pulumi hands it to the program (`<project>:<key>` → string, objects as
 * JSON), into the project defaults and the stack's own keys, each named after the file it lives in.
 * Keys of other namespaces (`kubernetes:context`, ...) belong to providers and are left alone.
 */
export function stackConfigLayers(project: string, stack: string, config: Readonly<Record<string, string>>): StackConfigLayers {
  const prefix = `${project}:`;
  let defaults: Mapping = {};
  const own: Mapping = {};
  for (const [fullKey, raw] of Object.entries(config)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    const value = decodeConfigValue(raw);
    if (key === DEFAULTS_KEY) defaults = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Mapping) : {};
    else own[key] = value;
  }
  return {
    defaults: { file: "Pulumi.yaml", values: defaults },
    stack: { file: `Pulumi.${stack}.yaml`, values: own },
  };
}

/** Pulumi passes structured config as JSON text and scalars as plain text. */
export function decodeConfigValue(raw: string): unknown {
  const trimmed = raw.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

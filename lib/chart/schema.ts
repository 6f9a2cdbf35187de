import type { default as Ajv, ErrorObject } from "ajv";
import { deepMerge, isMapping } from "../shared/merge";

export type ValuesValidator = (values: unknown) => string[];

/**
 * Compiles a chart's values.schema.json into a validator that never touches the network: every
 * remote `$ref` (Dagster's point at kubernetesjsonschema.dev, which no longer answers) resolves to
 * a permissive schema registered locally. Like Helm, it checks the chart's own values.yaml with the
 * given values coalesced over it (mappings merge, lists replace).
 */
export function compileValuesSchema(schema: unknown, chartDefaults: unknown = {}): ValuesValidator {
  // ajv (60 modules) loads only when a chart is validated, not with every command that imports this.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Validator = (require("ajv") as { default: typeof Ajv }).default;
  const ajv = new Validator({ allErrors: true, strict: false, validateFormats: false });
  for (const [id, document] of remoteDocuments(schema)) ajv.addSchema(document, id);
  const validate = ajv.compile(schema as object);
  return (values) => {
    const coalesced = deepMerge(chartDefaults, values);
    return validate(coalesced) ? [] : (validate.errors ?? []).map(describe);
  };
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "values" : `values${error.instancePath.replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".")}`;
  const extra = error.keyword === "enum" ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : "";
  return `${where}: ${error.message ?? "is invalid"}${extra}`;
}

/** For each remote document the schema refers to, a stand-in holding `{}` at every referenced pointer. */
function remoteDocuments(schema: unknown): Map<string, Record<string, unknown>> {
  const documents = new Map<string, Record<string, unknown>>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isMapping(node)) return;
    const ref = node.$ref;
    if (typeof ref === "string" && /^https?:\/\//.test(ref)) {
      const [id = ref, pointer = ""] = ref.split("#");
      const document = documents.get(id) ?? { $id: id };
      documents.set(id, document);
      let cursor: Record<string, unknown> = document;
      for (const part of pointer.split("/").filter((p) => p !== "")) {
        const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
        cursor[key] = isMapping(cursor[key]) ? cursor[key] : {};
        cursor = cursor[key] as Record<string, unknown>;
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(schema);
  return documents;
}

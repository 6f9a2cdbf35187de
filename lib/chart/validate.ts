import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { compileValuesSchema } from "./schema";
import { UserError } from "../shared/errors";
import type { ResolvedChart } from "./resolve";

/**
 * What the chart's own values.schema.json says is wrong with `values` (coalesced over the chart's
 * values.yaml, as Helm checks them), one line per problem naming the value's path; [] when the
 * chart has no schema. Remote `$ref`s resolve locally, so this never touches the network.
 */
export function chartValuesProblems(chart: ResolvedChart, values: unknown): string[] {
  const schemaFile = path.join(chart.dir, "values.schema.json");
  if (!existsSync(schemaFile)) return [];
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaFile, "utf8"));
  } catch (err) {
    throw new UserError(`chart: ${chart.name} ${chart.version}'s values.schema.json is not JSON (${err instanceof Error ? err.message : String(err)}); set helm.skip_schema_validation: true to deploy it anyway`);
  }
  const valuesFile = path.join(chart.dir, "values.yaml");
  const defaults: unknown = existsSync(valuesFile) ? (parse(readFileSync(valuesFile, "utf8")) ?? {}) : {};
  const validate = compileValuesSchema(schema, defaults);
  return validate(values).map((problem) => `chart: ${chart.name} ${chart.version}'s values.schema.json rejects ${problem}`);
}

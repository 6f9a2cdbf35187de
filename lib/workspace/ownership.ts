/**
 * Which stack registered which code location, kept in one annotation of the workspace ConfigMap.
 *
 * Why an annotation and not a key inside the entry: Dagster validates workspace.yaml against a
 * closed config schema (dagster/_core/workspace/config_schema.py: grpc_server takes only host,
 * socket, port, location_name and ssl), so an unknown key such as `owner` makes the whole workspace
 * fail to load, taking every code location down. An annotation is invisible to Dagster, survives a
 * `helm upgrade` of the instance (Helm's three-way merge keeps fields it does not manage), and is
 * written in the same compare-and-swap update as the entry, so the two never disagree.
 */
import { UserError } from "../shared/errors";

export const OWNERS_ANNOTATION = "dagster-code-locations/owners";

/** location name -> owner ("<project>/<stack>"). */
export type Owners = Readonly<Record<string, string>>;

/** Reads the owners annotation; absent means nobody owns anything. Malformed is a UserError. */
export function parseOwners(annotations: Readonly<Record<string, string>> | undefined, where: string): Owners {
  const text = annotations?.[OWNERS_ANNOTATION];
  if (text === undefined) return {};
  const fail = () =>
    new UserError(
      `${where}: annotation ${OWNERS_ANNOTATION} is not a JSON object of location name to "<project>/<stack>"; fix or remove it by hand`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail();
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail();
  if (!Object.values(value).every((owner) => typeof owner === "string")) throw fail();
  return value as Owners;
}

/** Sets (or with undefined, clears) the owner of one location. */
export function withOwner(owners: Owners, locationName: string, owner: string | undefined): Owners {
  const { [locationName]: _previous, ...others } = owners;
  return owner === undefined ? others : { ...others, [locationName]: owner };
}

/** JSON with sorted keys (deterministic), or undefined when there is nothing to record. */
export function serializeOwners(owners: Owners): string | undefined {
  const names = Object.keys(owners).sort();
  if (names.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, owners[name]])));
}

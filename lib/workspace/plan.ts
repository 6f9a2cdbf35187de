/**
 * Pure decisions: given the workspace ConfigMap as read (or undefined when missing), what to write.
 * No I/O, so every ownership rule is testable without a server; the compare-and-swap loop calls
 * these again on every fresh read.
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import { UserError } from "../shared/errors";
import {
  type GrpcServerEntry,
  type StoredGrpcServer,
  type WorkspaceDocument,
  WORKSPACE_KEY,
  findEntry,
  parseWorkspace,
  removeEntry,
  serializeWorkspace,
  upsertEntry,
} from "./document";
import { OWNERS_ANNOTATION, type Owners, parseOwners, serializeOwners, withOwner } from "./ownership";

export interface ConfigMapRef {
  readonly namespace: string;
  readonly name: string;
}

export interface Plan {
  /** The object to create (no resourceVersion) or replace; undefined: nothing to write. */
  readonly next: V1ConfigMap | undefined;
  /** Whether workspace.yaml changes in substance, i.e. the instance must reload. */
  readonly contentChanged: boolean;
  readonly warnings: readonly string[];
}

export interface EntryState {
  readonly configMapExists: boolean;
  readonly entry: StoredGrpcServer | undefined;
  readonly owner: string | undefined;
}

export function describeConfigMap(ref: ConfigMapRef): string {
  return `ConfigMap ${ref.namespace}/${ref.name}`;
}

/** What the ConfigMap says about one location. Malformed content is a UserError. */
export function entryState(ref: ConfigMapRef, current: V1ConfigMap | undefined, locationName: string): EntryState {
  const { doc, owners } = readContent(ref, current);
  return {
    configMapExists: current !== undefined,
    entry: findEntry(doc, locationName, describeConfigMap(ref)),
    owner: owners[locationName],
  };
}

export function planRegister(
  ref: ConfigMapRef,
  current: V1ConfigMap | undefined,
  request: { entry: GrpcServerEntry; owner: string; adoptUnowned: boolean },
): Plan {
  const where = describeConfigMap(ref);
  const { entry, owner } = request;
  const { doc, owners } = readContent(ref, current);
  const recorded = owners[entry.locationName];
  const stored = findEntry(doc, entry.locationName, where);

  // A record without an entry still counts: a helm upgrade may have dropped the entry, and its
  // owner's next refresh will restore it.
  if (recorded !== undefined && recorded !== owner) {
    throw new UserError(
      `${where}: code location "${entry.locationName}" is registered by stack ${recorded}, not ${owner}; pick another location name, or remove it from that stack first`,
    );
  }
  if (recorded === undefined && stored !== undefined && !request.adoptUnowned) {
    throw new UserError(
      `${where}: code location "${entry.locationName}" already exists but no stack owns it (written by hand, by dagster-uc or by the Helm chart); remove it from ${WORKSPACE_KEY}, or set instance.adopt_unowned_entry: true in the stack config to take it over`,
    );
  }

  const edit = upsertEntry(doc, entry, where);
  if (!edit.changed && recorded === owner) return { next: undefined, contentChanged: false, warnings: [] };
  return {
    next: write(ref, current, edit.changed ? edit.doc : undefined, withOwner(owners, entry.locationName, owner)),
    contentChanged: edit.changed,
    warnings: [],
  };
}

export function planUnregister(
  ref: ConfigMapRef,
  current: V1ConfigMap | undefined,
  request: { locationName: string; owner: string },
): Plan {
  const nothing = (warnings: string[] = []): Plan => ({ next: undefined, contentChanged: false, warnings });
  if (current === undefined) return nothing();
  const where = describeConfigMap(ref);
  const { locationName, owner } = request;
  const { doc, owners } = readContent(ref, current);
  const recorded = owners[locationName];
  const stored = findEntry(doc, locationName, where);

  if (recorded !== undefined && recorded !== owner) {
    return nothing([`${where}: code location "${locationName}" now belongs to stack ${recorded}; left it in place`]);
  }
  if (recorded === undefined) {
    return nothing(
      stored === undefined
        ? []
        : [`${where}: code location "${locationName}" is not owned by any stack (${owner} did not register it); left it in place, remove it by hand if it is stale`],
    );
  }
  const edit = removeEntry(doc, locationName, where);
  return {
    next: write(ref, current, edit.changed ? edit.doc : undefined, withOwner(owners, locationName, undefined)),
    contentChanged: edit.changed,
    warnings: [],
  };
}

function readContent(ref: ConfigMapRef, current: V1ConfigMap | undefined): { doc: WorkspaceDocument; owners: Owners } {
  const where = describeConfigMap(ref);
  return {
    doc: parseWorkspace(current?.data?.[WORKSPACE_KEY] ?? "", where),
    owners: parseOwners(current?.metadata?.annotations, where),
  };
}

/**
 * The ConfigMap to write: `current` with only workspace.yaml (when `doc` is given) and the owners
 * annotation changed; every other key, label and annotation is kept. The resourceVersion read
 * stays in, which is what makes the replace a compare-and-swap.
 */
function write(ref: ConfigMapRef, current: V1ConfigMap | undefined, doc: WorkspaceDocument | undefined, owners: Owners): V1ConfigMap {
  if (current?.immutable) {
    throw new UserError(`${describeConfigMap(ref)} is immutable; it cannot hold code locations registered by stacks`);
  }
  const { [OWNERS_ANNOTATION]: _old, ...annotations } = current?.metadata?.annotations ?? {};
  const ownersText = serializeOwners(owners);
  const data = { ...current?.data };
  // Unchanged content keeps its exact text: no reformatting of what others wrote.
  if (doc !== undefined) data[WORKSPACE_KEY] = serializeWorkspace(doc);
  return {
    ...current,
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      ...current?.metadata,
      name: ref.name,
      namespace: ref.namespace,
      annotations: ownersText === undefined ? annotations : { ...annotations, [OWNERS_ANNOTATION]: ownersText },
    },
    data,
  };
}

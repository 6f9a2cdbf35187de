import * as pulumi from "@pulumi/pulumi";
import { entryMatches, type GrpcServerEntry } from "../lib/workspace/document";
import { loadKubeConfig } from "../lib/workspace/kube-config";
import type { DefinitionCounts } from "../lib/workspace/dagster-graphql";
import { WorkspaceRegistrar, type ReloadTarget, type RestartTargets } from "../lib/workspace/registrar";
import { DynamicResource, dynamicType } from "./dynamicResource";

export interface WorkspaceEntryArgs {
  /** Kube context of the Dagster instance (the release's). */
  readonly context: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  /** The instance's workspace ConfigMap. */
  readonly configMapName: pulumi.Input<string>;
  readonly entry: pulumi.Input<GrpcServerEntry>;
  /** `<project>/<stack>`: recorded with the entry, so no other stack takes it over. */
  readonly owner: pulumi.Input<string>;
  /** Take over an entry of this name that nobody owns (written by hand or by dagster-uc). */
  readonly adoptUnowned: pulumi.Input<boolean>;
  /** The webserver Deployment to restart when it cannot be reloaded (the daemon's name is kept, never restarted). */
  readonly restart: pulumi.Input<RestartTargets>;
  /** How the webserver reloads the workspace, and where its GraphQL API is. */
  readonly reload?: pulumi.Input<ReloadTarget>;
  /** The code server's image: a new one makes the webserver reload this location and check it again. */
  readonly codeVersion?: pulumi.Input<string>;
}

interface EntryInputs {
  context: string;
  namespace: string;
  configMapName: string;
  entry: GrpcServerEntry;
  owner: string;
  adoptUnowned: boolean;
  restart: RestartTargets;
  reload?: ReloadTarget;
  codeVersion?: string;
}

interface EntryOutputs extends EntryInputs {
  /** Deployments restarted by the last change, and what the instance warned about. */
  restarted: string[];
  warnings: string[];
  /** What the location held when the webserver last loaded it; undefined when not checked. */
  definitions?: DefinitionCounts;
}

/** Which inputs name another entry altogether: changing one moves the registration. */
const IDENTITY = ["context", "namespace", "configMapName"] as const;

function registrar(inputs: Pick<EntryInputs, "context">): WorkspaceRegistrar {
  return new WorkspaceRegistrar(loadKubeConfig(inputs.context));
}

async function register(inputs: EntryInputs): Promise<EntryOutputs> {
  const change = await registrar(inputs).register(inputs);
  return { ...inputs, restarted: change.restarted, warnings: change.warnings, ...(change.definitions && { definitions: change.definitions }) };
}

/**
 * This stack's entry in the Dagster instance's workspace ConfigMap. Writes are compare-and-swap on
 * the ConfigMap's resourceVersion, so concurrent stacks never lose each other's entries and there
 * is no lock to get stuck. After a change (or a new code server) the webserver reloads over GraphQL
 * and the location must load: its Python error fails the operation.
 */
export const workspaceEntryProvider: pulumi.dynamic.ResourceProvider<EntryInputs, EntryOutputs> = {
  async create(inputs) {
    const outs = await register(inputs);
    return { id: `${inputs.namespace}/${inputs.configMapName}/${inputs.entry.locationName}`, outs };
  },

  async diff(_id, olds, news) {
    const replaces: string[] = IDENTITY.filter((key) => olds[key] !== news[key]);
    if (olds.entry.locationName !== news.entry.locationName) replaces.push("entry");
    if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: true };
    const changedInputs =
      olds.entry.host !== news.entry.host ||
      olds.entry.port !== news.entry.port ||
      olds.owner !== news.owner ||
      olds.adoptUnowned !== news.adoptUnowned ||
      JSON.stringify(olds.restart) !== JSON.stringify(news.restart) ||
      JSON.stringify(olds.reload ?? {}) !== JSON.stringify(news.reload ?? {}) ||
      (olds.codeVersion ?? "") !== (news.codeVersion ?? "");
    if (changedInputs) return { changes: true };
    // Same inputs: a preview still tells the truth when someone removed or changed the entry
    // (a `helm upgrade` of the instance rewriting the ConfigMap, a hand edit).
    const live = await registrar(news).readEntry({ namespace: news.namespace, configMapName: news.configMapName, locationName: news.entry.locationName });
    return { changes: !entryMatches(live.entry, news.entry) || live.owner !== news.owner };
  },

  async update(_id, _olds, news) {
    return { outs: await register(news) };
  },

  async read(id, props) {
    if (!props) return { id, props };
    const live = await registrar(props).readEntry({ namespace: props.namespace, configMapName: props.configMapName, locationName: props.entry.locationName });
    // Gone: the resource is gone, and the next `pulumi up` registers it again.
    if (!live.entry) return { id: "" };
    const entry = { locationName: live.entry.locationName, host: live.entry.host ?? "", port: live.entry.port ?? 0 };
    return { id, props: { ...props, entry, owner: live.owner ?? "" } };
  },

  async delete(_id, props) {
    await registrar(props).unregister({
      namespace: props.namespace,
      configMapName: props.configMapName,
      locationName: props.entry.locationName,
      owner: props.owner,
      restart: props.restart,
      reload: props.reload,
    });
  },
};

/** The type token Pulumi gives this dynamic resource. */
export const WORKSPACE_ENTRY_TYPE = dynamicType("WorkspaceEntry");

/** This stack's entry in the instance's workspace ConfigMap, owned by the stack; the webserver is reloaded when it changes (see the provider). */
export class WorkspaceEntry extends DynamicResource {
  public declare readonly restarted: pulumi.Output<string[]>;
  public declare readonly warnings: pulumi.Output<string[]>;
  public declare readonly definitions: pulumi.Output<DefinitionCounts | undefined>;

  constructor(name: string, args: WorkspaceEntryArgs, opts?: pulumi.CustomResourceOptions) {
    super(workspaceEntryProvider, { file: __filename, exportName: "workspaceEntryProvider" }, "WorkspaceEntry", name, { ...args, restarted: undefined, warnings: undefined, definitions: undefined }, opts);
  }
}

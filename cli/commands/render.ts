import * as path from "node:path";
import { EXISTING_IMAGE_TYPE } from "../../components/existingImage";
import { IMAGE_VERSION_TYPE } from "../../components/imageVersion";
import { WORKSPACE_ENTRY_TYPE } from "../../components/workspaceEntry";
import { currentGitBranch, MERGE_PREVIEW_ENV } from "../../lib/plan/branch";
import type { Path } from "../../lib/config/interpolate";
import { planDeployment, type DeploymentPlan } from "../../lib/plan/plan";
import { isSecretSetting, type SettingSecrets } from "../../lib/plan/secrets";
import { isUserError, UserError } from "../../lib/shared/errors";
import { isMapping } from "../../lib/shared/merge";
import { RegistryClient } from "../../lib/registry/client";
import { readStackFiles, SECRET_PLACEHOLDER, type StackFiles } from "../../lib/config/stackFiles";
import { checkStackName } from "../../lib/shared/stackName";
import { nextVersion } from "../../lib/registry/nextTag";
import { parseCommandArgs } from "../args";
import * as usage from "../usage";
import type { Command } from "../io";
import { loadProgram } from "../programLoader";
import { onlyResource, runProgramUnderMocks, type RecordedResource } from "../programUnderMocks";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
const BUILD_TYPE = "docker-build:index:Image";
const AZURE_TOKEN_CALL = "azure-native:authorization:getClientToken";
/** What only a real run knows, shown as such. */
const UNKNOWN_DIGEST = "sha256:<digest>";

/**
 * `render --stack STACK [--dir DIR] [--branch NAME] [--suffix S] [--resolve-tag]`: runs the real
 * program under Pulumi's mocks with the stack's config from DIR and prints, as one JSON document,
 * what `pulumi up` would deploy. Contacts nothing, unless --resolve-tag asks the registry for the
 * next version (with REGISTRY_USERNAME and REGISTRY_PASSWORD from the environment, if set).
 */
export const render: Command = async (args, io) => {
  const { values } = parseCommandArgs(usage.render, args, io.env);
  const stack = checkStackName(values.stack, "render: --stack");
  const dir = path.resolve(io.cwd, values.dir ?? ".");
  const files = readStackFiles(dir, stack);
  if (values.branch !== undefined) files.config[`${files.project}:branch`] = values.branch;
  if (values.suffix !== undefined) files.config[`${files.project}:deployment_name_suffix`] = values.suffix;

  const plan = explainOffline(files, stack, () => planDeployment({
    project: files.project,
    stack,
    config: files.config,
    env: io.env,
    cwd: dir,
    gitBranch: currentGitBranch,
    stackFile: files.stackFile,
    secretKeys: files.secretKeys,
    allowOtherCheckout: true,
  }));
  const resolveTag = values["resolve-tag"] === true;

  // render contacts nothing: the program leaves the chart as configured (the version "latest" unresolved).
  process.env.DAGSTER_CODE_LOCATIONS_OFFLINE = "1";
  // Like a merge preview, render shows what the environment stack deploys from any checkout.
  process.env[MERGE_PREVIEW_ENV] = "1";
  const run = await runProgramUnderMocks({
    project: files.project,
    stack,
    config: files.config,
    secretKeys: files.secretKeys,
    cwd: dir,
    load: () => loadProgram(dir),
    computed: {
      [IMAGE_VERSION_TYPE]: async (inputs) => ({
        tag: resolveTag ? await registryNextTag(inputs, io.env) : `${String(inputs.dagsterVersion)}-<n>`,
      }),
      [EXISTING_IMAGE_TYPE]: () => ({ digest: UNKNOWN_DIGEST }),
      [BUILD_TYPE]: () => ({ digest: UNKNOWN_DIGEST }),
    },
    calls: { [AZURE_TOKEN_CALL]: () => ({ token: SECRET_PLACEHOLDER }) },
  });

  const release = onlyResource(run.resources, RELEASE_TYPE);
  const repositoryOpts = release.inputs.repositoryOpts as { repo?: string } | undefined;
  const document = {
    stack,
    environment: plan.settings.environment,
    deployment: { name: plan.names.deploymentName, locationName: plan.names.locationName, branch: plan.branch.branch },
    image: imageSection(run.resources),
    release: {
      name: release.inputs.name,
      namespace: release.inputs.namespace,
      chart: release.inputs.chart,
      repo: repositoryOpts?.repo ?? null,
      version: release.inputs.version ?? null,
      skipSchemaValidation: plan.settings.helm.skip_schema_validation,
      values: release.secretPaths.includes("values") ? maskStrings(release.inputs.values, environmentSecrets(plan)) : release.inputs.values,
    },
    workspace: workspaceSection(onlyResource(run.resources, WORKSPACE_ENTRY_TYPE)),
    outputs: run.outputs,
    configSource: configSource(files, stack),
    config: maskSecretSettings(plan.settings, { ...plan.secrets, keys: new Set([...plan.secrets.keys, "registry_password"]) }),
  };
  io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
};

/** Where render read the config from, and what a real run would see instead. */
function configSource(files: StackFiles, stack: string): { file: string; note?: string; environments?: string[] } {
  const notes: string[] = [];
  if (files.stackFile !== `Pulumi.${stack}.yaml`) {
    const env = files.stackFile.slice("Pulumi.".length, -".yaml".length);
    notes.push(`${stack} has no stack file here: its config is ${files.stackFile}'s, as \`stacks up\` copies it (pulumi config cp --stack ${env} --dest ${stack}) on every run`);
  }
  if (files.environments.length > 0) notes.push(`${files.stackFile} imports Pulumi ESC environments (${files.environments.join(", ")}): their keys cannot be resolved offline and are not shown`);
  return { file: files.stackFile, ...(notes.length > 0 ? { note: notes.join("; ") } : {}), ...(files.environments.length > 0 ? { environments: files.environments } : {}) };
}

/** A stack file importing ESC environments: a missing key may well come from them; say so instead of "required". */
function explainOffline<T>(files: StackFiles, stack: string, plan: () => T): T {
  try {
    return plan();
  } catch (err) {
    if (files.environments.length === 0 || !isUserError(err)) throw err;
    const lines = err.problems.map((line) =>
      line.endsWith("required, but not set") ? `${line} here: it may come from the Pulumi ESC environments ${files.stackFile} imports (${files.environments.join(", ")}), which render cannot open offline; run pulumi preview --stack ${stack}` : line,
    );
    throw new UserError(lines);
  }
}

/** The image as the release gets it, and how it is built; build args the program sent as secrets masked. */
function imageSection(resources: readonly RecordedResource[]) {
  const values = onlyResource(resources, RELEASE_TYPE).inputs.values as { deployments?: { image?: { repository: string; tag: string } }[] };
  const image = values.deployments?.[0]?.image;
  if (!image) throw new Error("the release holds no deployment image");
  const [tag = image.tag, digest] = image.tag.split("@");
  const version = resources.find((r) => r.type === IMAGE_VERSION_TYPE);
  const built = resources.find((r) => r.type === BUILD_TYPE);
  if (!version || !built) return { repository: image.repository, tag, digest: digest ?? null, built: false };
  const dockerfile = built.inputs.dockerfile as { location?: string; inline?: string };
  const secretArgs = new Set(built.secretPaths.filter((p) => p.startsWith("buildArgs.")).map((p) => p.slice("buildArgs.".length)));
  const buildArgs = Object.fromEntries(
    Object.entries((built.inputs.buildArgs ?? {}) as Record<string, string>).map(([key, value]) => [key, secretArgs.has(key) ? SECRET_PLACEHOLDER : value]),
  );
  return {
    repository: image.repository,
    tag,
    digest: digest ?? null,
    built: true,
    sourceHash: version.inputs.sourceHash,
    buildArgs,
    dockerfile: dockerfile.location ?? dockerfile.inline,
    context: (built.inputs.context as { location?: string }).location,
    platforms: built.inputs.platforms,
    builder: (built.inputs.builder as { name?: string } | undefined)?.name ?? null,
  };
}

/** The entry this stack owns in the instance's workspace ConfigMap, as it would be written. */
function workspaceSection(resource: RecordedResource) {
  const entry = resource.inputs.entry as { locationName: string; host: string; port: number };
  return {
    configMap: resource.inputs.configMapName,
    namespace: resource.inputs.namespace,
    entry: { grpc_server: { host: entry.host, port: entry.port, location_name: entry.locationName } },
    owner: resource.inputs.owner,
  };
}

async function registryNextTag(inputs: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<string> {
  const username = env.REGISTRY_USERNAME;
  const password = env.REGISTRY_PASSWORD;
  const client = new RegistryClient({
    registry: String(inputs.registry),
    credentials: username && password ? { kind: "basic", username, password } : { kind: "anonymous" },
    budgetMs: typeof inputs.budgetMs === "number" ? inputs.budgetMs : undefined,
  });
  return nextVersion(await client.listTags(String(inputs.repository)), String(inputs.dagsterVersion));
}

/**
 * The settings with every secret one shown as "[secret]": keys set with --secret (`secure:`, which
 * render cannot decrypt anyway) and the values from the environment the program keeps secret.
 */
function maskSecretSettings(settings: object, secrets: SettingSecrets): unknown {
  const walk = (node: unknown, at: Path): unknown => {
    if (node === undefined) return undefined;
    if (at.length === 1 && secrets.keys.has(String(at[0]))) return SECRET_PLACEHOLDER;
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...at, i]));
    if (isMapping(node)) return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, [...at, key])]));
    return at.length > 0 && isSecretSetting(secrets, at) ? SECRET_PLACEHOLDER : node;
  };
  return walk(settings, []);
}

/** The texts that came from the environment into secret settings: what render must not print. */
function environmentSecrets(plan: DeploymentPlan): Set<string> {
  const texts = new Set<string>();
  for (const at of plan.secrets.fromEnvironment) {
    if (!isSecretSetting({ keys: new Set(), fromEnvironment: plan.secrets.fromEnvironment }, at)) continue;
    let node: unknown = plan.settings;
    for (const part of at) node = Array.isArray(node) || isMapping(node) ? (node as Record<string | number, unknown>)[part] : undefined;
    if (typeof node === "string" && node !== "") texts.add(node);
  }
  return texts;
}

/** `tree` with every string that is one of `secrets` shown as "[secret]". */
function maskStrings(tree: unknown, secrets: ReadonlySet<string>): unknown {
  if (typeof tree === "string") return secrets.has(tree) ? SECRET_PLACEHOLDER : tree;
  if (Array.isArray(tree)) return tree.map((item) => maskStrings(item, secrets));
  if (isMapping(tree)) return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, maskStrings(value, secrets)]));
  return tree;
}

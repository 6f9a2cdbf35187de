import * as path from "node:path";
import { EXISTING_IMAGE_TYPE } from "../../components/existingImage";
import { IMAGE_VERSION_TYPE } from "../../components/imageVersion";
import { WORKSPACE_ENTRY_TYPE } from "../../components/workspaceEntry";
import { currentGitBranch } from "../../lib/plan/branch";
import { planDeployment } from "../../lib/plan/plan";
import { RegistryClient } from "../../lib/registry/client";
import { readStackFiles, SECRET_PLACEHOLDER } from "../../lib/config/stackFiles";
import { checkStackName } from "../../lib/shared/stackName";
import { nextVersion } from "../../lib/registry/nextTag";
import { parseCommandArgs } from "../args";
import * as usage from "../usage";
import type { Command } from "../io";
import { loadProgram } from "../programLoader";
import { runProgramUnderMocks, type RecordedResource } from "../programUnderMocks";

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

  const plan = planDeployment({ project: files.project, stack, config: files.config, env: io.env, cwd: dir, gitBranch: currentGitBranch, stackFile: files.stackFile });
  const resolveTag = values["resolve-tag"] === true;

  // render contacts nothing: the program leaves the chart as configured (the version "latest" unresolved).
  process.env.DAGSTER_CODE_LOCATIONS_OFFLINE = "1";
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

  const release = findOne(run.resources, RELEASE_TYPE);
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
      values: release.inputs.values,
    },
    workspace: workspaceSection(findOne(run.resources, WORKSPACE_ENTRY_TYPE)),
    outputs: run.outputs,
    config: maskSecretKeys(plan.settings, [...files.secretKeys.map((key) => key.slice(files.project.length + 1)), "registry_password"]),
  };
  io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
};

function findOne(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, the program registered ${found.length}`);
  return found[0] as RecordedResource;
}

/** The image as the release gets it, and how it is built; build args the program sent as secrets masked. */
function imageSection(resources: readonly RecordedResource[]) {
  const values = findOne(resources, RELEASE_TYPE).inputs.values as { deployments?: { image?: { repository: string; tag: string } }[] };
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

/** Top-level settings that came from `secure:` config are shown as "[secret]". */
function maskSecretKeys<T extends object>(settings: T, secretKeys: readonly string[]): T {
  const copy = { ...settings } as Record<string, unknown>;
  for (const key of secretKeys) if (key in copy && copy[key] !== undefined) copy[key] = SECRET_PLACEHOLDER;
  return copy as T;
}

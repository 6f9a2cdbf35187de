import * as path from "node:path";
import { currentGitBranch } from "../../lib/branch";
import { planDeployment } from "../../lib/deployment";
import { UserError } from "../../lib/errors";
import { readStackFiles, SECRET_PLACEHOLDER } from "../../lib/stackFiles";
import { parseCommandArgs } from "../args";
import type { Command } from "../io";
import { runProgramUnderMocks, type RecordedResource } from "../programUnderMocks";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/**
 * `render --stack STACK [--dir DIR] [--branch NAME] [--suffix S]`: runs the real program under
 * Pulumi's mocks with the stack's config from DIR and prints, as one JSON document, exactly what
 * `pulumi up` would deploy. Contacts nothing.
 */
export const render: Command = async (args, io) => {
  const { values } = parseCommandArgs("render", args, {
    dir: { type: "string" },
    stack: { type: "string" },
    branch: { type: "string" },
    suffix: { type: "string" },
  });
  if (!values.stack) throw new UserError("render: --stack STACK is required (for example --stack dev)");
  const stack = values.stack;
  const dir = path.resolve(io.cwd, values.dir ?? ".");
  const files = readStackFiles(dir, stack);
  if (values.branch !== undefined) files.config[`${files.project}:branch`] = values.branch;
  if (values.suffix !== undefined) files.config[`${files.project}:deployment_name_suffix`] = values.suffix;

  const plan = planDeployment({
    project: files.project,
    stack,
    config: files.config,
    env: io.env,
    cwd: dir,
    gitBranch: currentGitBranch,
  });
  const run = await runProgramUnderMocks({
    project: files.project,
    stack,
    config: files.config,
    secretKeys: files.secretKeys,
    cwd: dir,
    load: () => require("../../index"),
  });

  const release = findOne(run.resources, RELEASE_TYPE);
  const repositoryOpts = release.inputs.repositoryOpts as { repo?: string } | undefined;
  const document = {
    stack,
    environment: plan.settings.environment,
    deployment: { name: plan.names.deploymentName, locationName: plan.names.locationName, branch: plan.branch.branch },
    image: imageOf(release),
    release: {
      name: release.inputs.name,
      namespace: release.inputs.namespace,
      chart: release.inputs.chart,
      repo: repositoryOpts?.repo ?? null,
      version: release.inputs.version ?? null,
      skipSchemaValidation: plan.chart.skipSchemaValidation,
      values: release.inputs.values,
    },
    outputs: run.outputs,
    config: maskSecretKeys(plan.settings, files.secretKeys.map((key) => key.slice(files.project.length + 1))),
  };
  io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
};

function findOne(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, the program registered ${found.length}`);
  return found[0] as RecordedResource;
}

function imageOf(release: RecordedResource): { repository: string; tag: string } {
  const values = release.inputs.values as { deployments?: { image?: { repository: string; tag: string } }[] };
  const image = values.deployments?.[0]?.image;
  if (!image) throw new Error("the release holds no deployment image");
  return { repository: image.repository, tag: image.tag };
}

/** Top-level settings that came from `secure:` config are shown as "[secret]". */
function maskSecretKeys<T extends object>(settings: T, secretKeys: readonly string[]): T {
  const copy = { ...settings } as Record<string, unknown>;
  for (const key of secretKeys) if (key in copy) copy[key] = SECRET_PLACEHOLDER;
  return copy as T;
}

import * as path from "node:path";
import { resolveBranch, type ResolvedBranch } from "./branch";
import { UserError } from "../shared/errors";
import { deploymentNames, type DeploymentNames } from "./names";
import { imageEnv, type ImageEnv } from "./imageEnv";
import { projectName } from "./project";
import { isSecretSetting, type SettingSecrets } from "./secrets";
import { isInside, realPath } from "./projectPaths";
import { isConcealed, keyOrigin, resolveStackSettings } from "../config/resolve";
import { parseRegistryAddress, type RegistryAddress } from "../config/registryAddress";
import type { Settings } from "../config/schema";
import { DEFAULTS_KEY, stackConfigLayers } from "../config/stackConfig";

/** Everything the program decides before it registers a single resource. */
export interface DeploymentPlan {
  readonly settings: Settings;
  readonly names: DeploymentNames;
  readonly branch: ResolvedBranch;
  /** `docker.container_registry`, parsed once: images, the build and an OCI chart all live there. */
  readonly registry: RegistryAddress;
  /** `docker.docker_env_vars` with their values. */
  readonly imageEnv: ImageEnv;
  /** The project part of the names, undefined with use_project_name: false. */
  readonly project: string | undefined;
  /** Absolute path of `repository_root`. */
  readonly repositoryRoot: string;
  /** Which settings hold secrets: everything derived from them stays a Pulumi secret. */
  readonly secrets: SettingSecrets;
}

/**
 * Keys that make the names of Kubernetes objects, the Dagster location and Pulumi resources (or the
 * image tags and chart version): those are visible wherever the deployment is, so cannot be secret.
 */
const PUBLIC_KEYS = ["environment", "branch", "deployment_name_suffix", "project_name_override", "use_project_name", "cicd", "dagster_version"] as const;

export interface PlanInputs {
  readonly project: string;
  readonly stack: string;
  readonly config: Readonly<Record<string, string>>;
  readonly env: NodeJS.ProcessEnv;
  /** The Pulumi project directory: relative paths in the config start here. */
  readonly cwd: string;
  readonly gitBranch: (dir: string) => string | undefined;
  /** The file the stack's own keys were read from, for messages. @default `Pulumi.<stack>.yaml` */
  readonly stackFile?: string;
  /** Config keys (`<project>:<key>`) Pulumi holds as secrets (`pulumi config set --secret`). @default none */
  readonly secretKeys?: readonly string[];
  /**
   * Let an environment stack run from a checkout of another branch: a merge preview
   * (`stacks preview`) or `render`, never an update. @default false
   */
  readonly allowOtherCheckout?: boolean;
  /**
   * "unchecked": a `${NAME}` whose variable is not set is left as written, not an error; for the
   * CLI's reads of a stack (`stacks status`), which need its names, not the deploy's environment.
   * @default "error"
   */
  readonly unsetVariables?: "error" | "unchecked";
}

/** The branch an environment stack deploys when its config names none: the repository's main line. */
export const MAIN_LINE = "main";

/** config → settings → names; throws a UserError listing every problem found. */
export function planDeployment(inputs: PlanInputs): DeploymentPlan {
  const layers = stackConfigLayers(inputs.project, inputs.stack, inputs.config, inputs.stackFile);
  checkBranchStackHasSettings(inputs.stack, layers.stack.values);
  const secretKeys = secretSettingKeys(inputs.project, inputs.secretKeys ?? [], Object.keys(layers.defaults.values));
  const { settings, fromEnvironment } = resolveStackSettings(layers.defaults, layers.stack, inputs.env, { secretKeys, unsetVariables: inputs.unsetVariables ?? "error" });
  const stackFile = layers.stack.file;
  const secrets: SettingSecrets = { keys: secretKeys, fromEnvironment };
  const publicSecrets = PUBLIC_KEYS.filter((key) => secretKeys.has(key));
  if (publicSecrets.length > 0) {
    throw new UserError(
      publicSecrets.map(
        (key) =>
          `${keyOrigin(layers.defaults, layers.stack, [key])}: ${key}: set with --secret, but it makes the names of the deployment, ` +
          `its image and its Dagster location, which cannot be secret; set it again without --secret`,
      ),
    );
  }

  if (settings.cicd && inputs.stack !== settings.environment) {
    throw new UserError(
      `${stackFile}: cicd: true is only allowed on the stack named "${settings.environment}" (its environment); ` +
        `on stack "${inputs.stack}" it would deploy over that stack's code location. Set cicd: false here.`,
    );
  }

  const repositoryRoot = path.resolve(inputs.cwd, settings.repository_root);
  if (!settings.allow_paths_outside_project) {
    checkPaths(settings, repositoryRoot, inputs.cwd, (key) => keyOrigin(layers.defaults, layers.stack, key), (key) => isConcealed(key, secretKeys, fromEnvironment));
  }
  const branch = deployedBranch(inputs, settings, repositoryRoot);
  const project = projectName({
    repositoryRoot,
    useProjectName: settings.use_project_name,
    override: settings.project_name_override,
    configFile: stackFile,
  });
  const names = deploymentNames({ project, branch: branch.branch, suffix: settings.deployment_name_suffix });
  const envSecret = (index: number) => isSecretSetting(secrets, ["docker", "docker_env_vars", index]);
  return {
    settings,
    names,
    branch,
    registry: parseRegistryAddress(settings.docker.container_registry),
    imageEnv: imageEnv(settings, inputs.env, envSecret),
    project,
    repositoryRoot,
    secrets,
  };
}

/**
 * A branch stack (`<env>.<branch>`) gets its settings copied from its environment stack by
 * `stacks up`; without them every required key would be reported missing. Say the one fix instead.
 */
function checkBranchStackHasSettings(stack: string, own: Readonly<Record<string, unknown>>): void {
  const dot = stack.indexOf(".");
  if (dot <= 0 || own.environment !== undefined) return;
  const env = stack.slice(0, dot);
  throw new UserError(
    `stack ${stack} has no settings of its own (Pulumi.${stack}.yaml is missing or has no environment): ` +
      `copy them from its environment stack with \`npm run -s stacks -- up --env ${env}\` (on this branch), or \`pulumi config cp --stack ${env} --dest ${stack}\``,
  );
}

/**
 * The environment's own stack deploys the branch its config names (`branch`, else the main line;
 * the environment itself with cicd), never the checkout's: from another branch's checkout it
 * stops, since an update would put that branch's code in the environment's location.
 */
function deployedBranch(inputs: PlanInputs, settings: Settings, repositoryRoot: string): ResolvedBranch {
  if (settings.cicd) return { branch: settings.environment, source: "environment (cicd: true)" };
  const checkout = () =>
    resolveBranch({ configured: undefined, env: inputs.env, gitBranch: () => inputs.gitBranch(repositoryRoot), stack: "", environment: settings.environment });
  if (inputs.stack !== settings.environment) {
    return resolveBranch({ configured: settings.branch, env: inputs.env, gitBranch: () => inputs.gitBranch(repositoryRoot), stack: inputs.stack, environment: settings.environment });
  }
  const own = settings.branch?.trim() ? { branch: settings.branch.trim(), source: "config" } : { branch: MAIN_LINE, source: "the main line (no branch set)" };
  const current = checkout();
  if (!inputs.allowOtherCheckout && current.branch !== "" && current.branch !== own.branch) {
    throw new UserError(
      `stack ${inputs.stack} deploys branch "${own.branch}", but this checkout is "${current.branch}" (${current.source}): ` +
        `it would put ${current.branch}'s code in ${own.branch}'s location. Deploy this branch as a location of its own: ` +
        `npm run -s stacks -- up --env ${inputs.stack} --branch ${JSON.stringify(current.branch)}`,
    );
  }
  return own;
}

/** The settings keys behind Pulumi's secret config keys; a secret `defaults` makes all of its keys secret. */
function secretSettingKeys(project: string, configKeys: readonly string[], defaultKeys: readonly string[]): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const fullKey of configKeys) {
    if (!fullKey.startsWith(`${project}:`)) continue;
    const key = fullKey.slice(project.length + 1);
    if (key === DEFAULTS_KEY) defaultKeys.forEach((k) => keys.add(k));
    else keys.add(key);
  }
  return keys;
}

/**
 * The build context and the Dockerfile's text go into the build's inputs: they stay inside the
 * project (symlinks followed) unless `allow_paths_outside_project` says otherwise.
 */
function checkPaths(settings: Settings, repositoryRoot: string, projectDir: string, origin: (key: string[]) => string, secret: (key: string[]) => boolean): void {
  const problems: string[] = [];
  const shown = (key: string[], value: string, resolved: string) => (secret(key) ? "(a secret value)" : `${JSON.stringify(value)} is ${realPath(resolved)},`);
  const optIn = "set allow_paths_outside_project: true to use it anyway";
  if (!isInside(repositoryRoot, projectDir)) {
    problems.push(
      `${origin(["repository_root"])}: repository_root: ${shown(["repository_root"], settings.repository_root, repositoryRoot)} ` +
        `outside the project directory ${realPath(projectDir)}; ${optIn}`,
    );
  } else if (!settings.docker.image_tag) {
    const dockerfile = path.resolve(repositoryRoot, settings.docker.dockerfile);
    if (!isInside(dockerfile, repositoryRoot)) {
      problems.push(
        `${origin(["docker", "dockerfile"])}: docker.dockerfile: ${shown(["docker", "dockerfile"], settings.docker.dockerfile, dockerfile)} ` +
          `outside repository_root ${realPath(repositoryRoot)}; ${optIn}`,
      );
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}

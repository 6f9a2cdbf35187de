import * as path from "node:path";
import { resolveBranch, type ResolvedBranch } from "./branch";
import { UserError } from "../shared/errors";
import { deploymentNames, type DeploymentNames } from "./names";
import { imageEnv, type ImageEnv } from "./imageEnv";
import { projectName } from "./project";
import { isInside, realPath } from "./projectPaths";
import { keyOrigin, resolveSettings } from "../config/resolve";
import { parseRegistryAddress, type RegistryAddress } from "../config/registryAddress";
import type { Settings } from "../config/schema";
import { stackConfigLayers } from "../config/stackConfig";

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
}

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
}

/** config → settings → names; throws a UserError listing every problem found. */
export function planDeployment(inputs: PlanInputs): DeploymentPlan {
  const layers = stackConfigLayers(inputs.project, inputs.stack, inputs.config, inputs.stackFile);
  const settings = resolveSettings(layers.defaults, layers.stack, inputs.env);
  const stackFile = layers.stack.file;

  if (settings.cicd && inputs.stack !== settings.environment) {
    throw new UserError(
      `${stackFile}: cicd: true is only allowed on the stack named "${settings.environment}" (its environment); ` +
        `on stack "${inputs.stack}" it would deploy over that stack's code location. Set cicd: false here.`,
    );
  }

  const repositoryRoot = path.resolve(inputs.cwd, settings.repository_root);
  if (!settings.allow_paths_outside_project) checkPaths(settings, repositoryRoot, inputs.cwd, (key) => keyOrigin(layers.defaults, layers.stack, key));
  const branch = settings.cicd
    ? { branch: settings.environment, source: "environment (cicd: true)" }
    : resolveBranch({
        configured: settings.branch,
        env: inputs.env,
        gitBranch: () => inputs.gitBranch(repositoryRoot),
        stack: inputs.stack,
        environment: settings.environment,
      });
  const project = projectName({
    repositoryRoot,
    useProjectName: settings.use_project_name,
    override: settings.project_name_override,
    configFile: stackFile,
  });
  const names = deploymentNames({ project, branch: branch.branch, suffix: settings.deployment_name_suffix });
  return { settings, names, branch, registry: parseRegistryAddress(settings.docker.container_registry), imageEnv: imageEnv(settings, inputs.env), project, repositoryRoot };
}

/**
 * The build context and the Dockerfile's text go into the build's inputs: they stay inside the
 * project (symlinks followed) unless `allow_paths_outside_project` says otherwise.
 */
function checkPaths(settings: Settings, repositoryRoot: string, projectDir: string, origin: (key: string[]) => string): void {
  const problems: string[] = [];
  const optIn = "set allow_paths_outside_project: true to use it anyway";
  if (!isInside(repositoryRoot, projectDir)) {
    problems.push(
      `${origin(["repository_root"])}: repository_root: ${JSON.stringify(settings.repository_root)} is ${realPath(repositoryRoot)}, ` +
        `outside the project directory ${realPath(projectDir)}; ${optIn}`,
    );
  } else if (!settings.docker.image_tag) {
    const dockerfile = path.resolve(repositoryRoot, settings.docker.dockerfile);
    if (!isInside(dockerfile, repositoryRoot)) {
      problems.push(
        `${origin(["docker", "dockerfile"])}: docker.dockerfile: ${JSON.stringify(settings.docker.dockerfile)} is ${realPath(dockerfile)}, ` +
          `outside repository_root ${realPath(repositoryRoot)}; ${optIn}`,
      );
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}

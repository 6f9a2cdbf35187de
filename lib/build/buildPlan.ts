import { readFileSync } from "node:fs";
import * as path from "node:path";
import { UserError } from "../shared/errors";
import type { DeploymentNames } from "../plan/names";
import type { Settings } from "../config/schema";
import { hashSource } from "./sourceHash";

/** A build argument, and whether its value came from the deploying environment (a secret). */
export interface BuildArg {
  readonly value: string;
  readonly secret: boolean;
}

/** What goes into the image: everything here is hashed to decide whether a new version is needed. */
export interface BuildPlan {
  /** Absolute path of the build context (`repository_root`). */
  readonly context: string;
  /** Absolute path of the configured Dockerfile. */
  readonly dockerfilePath: string;
  /** The Dockerfile to build: the configured one, plus ENV lines for `docker_env_vars`. */
  readonly dockerfile: string;
  /** True when `dockerfile` differs from the file and must be passed inline. */
  readonly dockerfileAmended: boolean;
  readonly buildArgs: Readonly<Record<string, BuildArg>>;
  readonly platform: string;
  /** OCI media types, unless `build_format: docker`. */
  readonly ociMediaTypes: boolean;
  /** `docker_env_vars` entries named `KEY` whose KEY is not set here: podman skipped them, so do we. */
  readonly unsetEnvVars: readonly string[];
}

/**
 * The build as dagster-uc's `podman build` ran it: context `repository_root`, the configured
 * Dockerfile, `BRANCH_NAME=<branch part>`, and one `--env` per `docker_env_vars` entry, which here
 * becomes a build arg plus an ENV line appended to the Dockerfile (`KEY` takes its value from the
 * deploying environment and stays a secret; `KEY=VALUE` is literal).
 */
export function buildPlan(settings: Settings, names: DeploymentNames, repositoryRoot: string, env: NodeJS.ProcessEnv): BuildPlan {
  const dockerfilePath = path.resolve(repositoryRoot, settings.docker.dockerfile);
  let original: string;
  try {
    original = readFileSync(dockerfilePath, "utf8");
  } catch {
    throw new UserError(`docker.dockerfile: cannot read ${dockerfilePath} (paths are relative to repository_root)`);
  }

  const buildArgs: Record<string, BuildArg> = { BRANCH_NAME: { value: names.branchPart, secret: false } };
  const envLines: string[] = [];
  const unsetEnvVars: string[] = [];
  for (const entry of settings.docker.docker_env_vars) {
    const eq = entry.indexOf("=");
    const name = eq === -1 ? entry : entry.slice(0, eq);
    const fromEnvironment = eq === -1;
    const value = fromEnvironment ? env[name] : entry.slice(eq + 1);
    if (value === undefined) {
      unsetEnvVars.push(name);
      continue;
    }
    // A later entry for the same name wins, as a later --env did.
    buildArgs[name] = { value, secret: fromEnvironment };
    envLines.push(`ARG ${name}`, `ENV ${name}=\${${name}}`);
  }
  // An entry superseded by a later one for the same name is no loss.
  const missing = unsetEnvVars.filter((name) => !(name in buildArgs));
  const amended = envLines.length > 0;
  const dockerfile = amended
    ? `${original.replace(/\n*$/, "\n")}# docker_env_vars, added by dagster-code-locations\n${[...new Set(envLines)].join("\n")}\n`
    : original;
  return {
    context: repositoryRoot,
    dockerfilePath,
    dockerfile,
    dockerfileAmended: amended,
    buildArgs,
    platform: settings.docker.platform,
    ociMediaTypes: settings.docker.build_format === "OCI",
    unsetEnvVars: missing,
  };
}

/** The source hash of a build plan: what decides whether the image needs a new version. */
export async function hashBuild(plan: BuildPlan, dagsterVersion: string, cacheDir: string | undefined): Promise<string> {
  const result = await hashSource({
    contextDir: plan.context,
    // The file itself when unchanged, so that its `<Dockerfile>.dockerignore` counts as BuildKit's does.
    dockerfile: plan.dockerfileAmended ? { contents: plan.dockerfile } : { path: plan.dockerfilePath },
    buildArgs: Object.fromEntries(Object.entries(plan.buildArgs).map(([key, arg]) => [key, arg.value])),
    dagsterVersion,
    extra: { platform: plan.platform, ociMediaTypes: String(plan.ociMediaTypes) },
    cacheDir,
  });
  return result.hash;
}

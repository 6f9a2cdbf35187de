import { readFileSync } from "node:fs";
import { UserError } from "../shared/errors";
import { hashSource } from "./sourceHash";

/** What goes into the image: everything here is hashed to decide whether a new version is needed. */
export interface BuildPlan {
  /** Absolute path of the build context. */
  readonly context: string;
  /** Absolute path of the configured Dockerfile. */
  readonly dockerfilePath: string;
  /** The Dockerfile to build: the configured one, plus ARG/ENV lines for the image's environment. */
  readonly dockerfile: string;
  /** True when `dockerfile` differs from the file and must be passed inline. */
  readonly dockerfileAmended: boolean;
  readonly platform: string;
  /** OCI media types, unless the build asks for Docker's. */
  readonly ociMediaTypes: boolean;
}

export interface BuildPlanInputs {
  readonly context: string;
  readonly dockerfilePath: string;
  /** Build args that are also set in the image (`ARG` + `ENV`), as `podman build --env` did. */
  readonly imageEnv: readonly string[];
  readonly platform: string;
  readonly ociMediaTypes: boolean;
}

/**
 * The build as dagster-uc's `podman build` ran it. Each variable of the image's environment becomes
 * a build arg plus an ENV line appended to the Dockerfile, so its value never appears in the
 * Dockerfile's text.
 */
export function buildPlan(inputs: BuildPlanInputs): BuildPlan {
  let original: string;
  try {
    original = readFileSync(inputs.dockerfilePath, "utf8");
  } catch {
    throw new UserError(`docker.dockerfile: cannot read ${inputs.dockerfilePath} (paths are relative to repository_root)`);
  }
  const envLines = inputs.imageEnv.flatMap((name) => [`ARG ${name}`, `ENV ${name}=\${${name}}`]);
  const amended = envLines.length > 0;
  const dockerfile = amended
    ? `${original.replace(/\n*$/, "\n")}# docker_env_vars, added by dagster-code-locations\n${[...new Set(envLines)].join("\n")}\n`
    : original;
  return {
    context: inputs.context,
    dockerfilePath: inputs.dockerfilePath,
    dockerfile,
    dockerfileAmended: amended,
    platform: inputs.platform,
    ociMediaTypes: inputs.ociMediaTypes,
  };
}

/** The source hash of a build with its args: what decides whether the image needs a new version. */
export async function hashBuild(
  plan: BuildPlan,
  buildArgs: Readonly<Record<string, string>>,
  dagsterVersion: string,
  cacheDir: string | undefined,
): Promise<string> {
  const result = await hashSource({
    contextDir: plan.context,
    // The file itself when unchanged, so that its `<Dockerfile>.dockerignore` counts as BuildKit's does.
    dockerfile: plan.dockerfileAmended ? { contents: plan.dockerfile } : { path: plan.dockerfilePath },
    buildArgs,
    dagsterVersion,
    extra: { platform: plan.platform, ociMediaTypes: String(plan.ociMediaTypes) },
    cacheDir,
  });
  return result.hash;
}

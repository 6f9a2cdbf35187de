import * as path from "node:path";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { buildPlan, hashBuild, type BuildPlan } from "../lib/build/buildPlan";
import { imageRepository, type RegistryAddress } from "../lib/config/registryAddress";
import type { RegistryLogin } from "../lib/registry/login";
import type { ImageRef } from "../lib/release/values";
import { ExistingImage } from "./existingImage";
import { ImageVersion } from "./imageVersion";
import { asRunError } from "./runError";
import { secretIf } from "./secretInput";

/** How the code server's image is built: what dagster-uc's `podman build` did, by BuildKit. */
export interface ImageBuildArgs {
  /** The build context directory. */
  readonly context: string;
  /** The Dockerfile; relative paths start at `context`. */
  readonly dockerfile: string;
  /**
   * Build args (`BRANCH_NAME`, ...); a secret Input stays a secret build arg.
   * @default {}
   */
  readonly args?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Build args that are also set in the image's environment (`ARG` + `ENV` lines appended to the
   * Dockerfile), as `podman build --env` did for dagster-uc's `docker_env_vars`.
   * @default []
   */
  readonly imageEnv?: readonly string[];
  /** @default "linux/amd64" */
  readonly platform?: string;
  /** @default "OCI" */
  readonly mediaTypes?: "OCI" | "docker";
  /**
   * The buildx builder to build with (its `--builder` name: a Kubernetes, remote or cloud driver).
   * @default the default builder of the machine running Pulumi
   */
  readonly builder?: string;
}

export interface CodeImageArgs {
  /** The registry holding the image (`parseRegistryAddress`). */
  readonly registry: RegistryAddress;
  /** The repository below the registry address: `[<image_prefix>/]<deployment name>`. */
  readonly repository: string;
  /** Tags are `<dagsterVersion>-<n>`. */
  readonly dagsterVersion: string;
  /** Total time for one operation's registry requests. */
  readonly registryBudgetMs: number;
  /** Build this; exactly one of `build` and `existingTag`. */
  readonly build?: ImageBuildArgs;
  /** Deploy this existing tag as it is (dagster-uc's `revive`); it must exist, and is pinned by digest. */
  readonly existingTag?: string;
  /** Credentials for listing tags (secret). */
  readonly login: pulumi.Input<RegistryLogin>;
  /** Credentials BuildKit pushes with (secret); unknown in a preview, which builds nothing. */
  readonly push: pulumi.Input<{ username: string; password: string | undefined } | undefined>;
  /** Where the source hash keeps file stats between runs, so repeated runs read only what changed. */
  readonly cacheDir?: string;
  /** The image's name (registry, repository, tags) is secret: every input and output holding it is. @default false */
  readonly secretName?: boolean;
  /** The build's inputs are secret (context, Dockerfile, every arg, platform, builder). @default false */
  readonly secretBuild?: boolean;
}

/**
 * The code server's image: a version allocated once per source (ImageVersion), built and pushed
 * by BuildKit, or an existing tag; either way pinned by digest.
 */
export class CodeImage extends pulumi.ComponentResource {
  /** `<dagster_version>-<n>`. */
  public readonly tag: pulumi.Output<string>;
  public readonly digest: pulumi.Output<string>;
  /** What the chart gets: `tag` is `<version>@sha256:<digest>`, so Kubernetes pulls exactly this build. */
  public readonly ref: pulumi.Output<ImageRef>;

  constructor(name: string, args: CodeImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagster-code-locations:index:CodeImage", name, {}, opts);
    if ((args.build === undefined) === (args.existingTag === undefined)) {
      throw new Error(`CodeImage ${name}: give exactly one of build and existingTag`);
    }
    const imageName = imageRepository(args.registry, args.repository);
    const named = secretIf(args.secretName);
    const common = { registry: named(args.registry.input), repository: named(args.repository), login: args.login, budgetMs: args.registryBudgetMs };

    if (args.existingTag !== undefined) {
      const existing = new ExistingImage(`${name}-existing`, { ...common, tag: named(args.existingTag) }, { parent: this });
      this.tag = pulumi.output(named(args.existingTag));
      this.digest = existing.digest;
    } else {
      const build = args.build!;
      const plan = planBuild(build);
      // The hash of secret build args is no secret: state keeps it in plain text, as it always has.
      const sourceHash = pulumi.unsecret(
        pulumi.output(build.args ?? {}).apply((values) => hashBuild(plan, values, args.dagsterVersion, args.cacheDir).catch(asRunError)),
      );
      const version = new ImageVersion(`${name}-version`, { ...common, dagsterVersion: args.dagsterVersion, sourceHash }, { parent: this });
      const image = new dockerBuild.Image(`${name}-build`, imageArgs(args, imageName, build, plan, version.tag), { parent: this });
      this.tag = version.tag;
      this.digest = image.digest;
    }
    this.ref = pulumi.output(named(pulumi.all([this.tag, this.digest]).apply(([tag, digest]) => ({ repository: imageName, tag: `${tag}@${digest}` }))));
    this.registerOutputs({ tag: this.tag, digest: this.digest, ref: this.ref });
  }
}

/** The build's Dockerfile and options; the args' values do not go into the Dockerfile's text. */
function planBuild(build: ImageBuildArgs): BuildPlan {
  try {
    return buildPlan({
      context: path.resolve(build.context),
      dockerfilePath: path.resolve(build.context, build.dockerfile),
      imageEnv: build.imageEnv ?? [],
      platform: build.platform ?? "linux/amd64",
      ociMediaTypes: (build.mediaTypes ?? "OCI") === "OCI",
    });
  } catch (err) {
    return asRunError(err);
  }
}

function imageArgs(args: CodeImageArgs, imageName: string, build: ImageBuildArgs, plan: BuildPlan, tag: pulumi.Output<string>): dockerBuild.ImageArgs {
  const named = secretIf(args.secretName);
  const built = secretIf(args.secretBuild);
  // The build cache lives next to the image, so a code-only change rebuilds in seconds.
  const cacheRef = named(`${imageName}:buildcache`);
  const ociMediaTypes = plan.ociMediaTypes;
  return {
    context: { location: built(plan.context) },
    dockerfile: plan.dockerfileAmended ? { inline: built(plan.dockerfile) } : { location: built(plan.dockerfilePath) },
    buildArgs: Object.fromEntries(Object.entries(build.args ?? {}).map(([key, value]) => [key, built(value)])),
    platforms: [built(plan.platform as dockerBuild.Platform)],
    tags: [named(pulumi.interpolate`${imageName}:${tag}`)],
    push: false,
    exports: [{ registry: { ociMediaTypes, insecure: args.registry.scheme === "http" } }],
    cacheFrom: [{ registry: { ref: cacheRef } }],
    cacheTo: [{ registry: { ref: cacheRef, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes } }],
    registries: pulumi.output(args.push).apply((login) =>
      login ? [{ address: args.registry.host, username: login.username, password: login.password }] : [],
    ),
    buildOnPreview: false,
    ...(build.builder === undefined ? {} : { builder: { name: built(build.builder) } }),
  };
}

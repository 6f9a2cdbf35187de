import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { ImageRef } from "../lib/release/values";
import type { BuildPlan } from "../lib/build/buildPlan";
import { ExistingImage } from "./existingImage";
import { ImageVersion } from "./imageVersion";
import type { RegistryLogin } from "../lib/registry/login";

export interface CodeImageArgs {
  /** `host[:port][/path]`, as configured (`http://` for a local registry). */
  readonly registry: string;
  /** The image's name in image references: `<host>[/path]/<repository>`, never a scheme. */
  readonly imageName: string;
  /** The repository below the registry address: `[<image_prefix>/]<deployment name>`. */
  readonly repository: string;
  readonly dagsterVersion: string;
  /** Credentials for listing tags (secret). */
  readonly login: pulumi.Input<RegistryLogin>;
  /** Credentials BuildKit pushes with (secret); unknown in a preview, which builds nothing. */
  readonly push: pulumi.Input<{ username: string; password: string | undefined } | undefined>;
  /** Build this; or deploy `existingTag` as is. */
  readonly build: { readonly plan: BuildPlan; readonly sourceHash: pulumi.Input<string> } | { readonly existingTag: string };
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
    const { build } = args;

    if ("existingTag" in build) {
      const existing = new ExistingImage(`${name}-existing`, { registry: args.registry, repository: args.repository, tag: build.existingTag, login: args.login }, { parent: this });
      this.tag = pulumi.output(build.existingTag);
      this.digest = existing.digest;
    } else {
      const version = new ImageVersion(
        `${name}-version`,
        { registry: args.registry, repository: args.repository, dagsterVersion: args.dagsterVersion, sourceHash: build.sourceHash, login: args.login },
        { parent: this },
      );
      const image = new dockerBuild.Image(`${name}-build`, imageArgs(args, build.plan, version.tag), { parent: this });
      this.tag = version.tag;
      this.digest = image.digest;
    }
    this.ref = pulumi.all([this.tag, this.digest]).apply(([tag, digest]) => ({ repository: args.imageName, tag: `${tag}@${digest}` }));
    this.registerOutputs({ tag: this.tag, digest: this.digest, ref: this.ref });
  }
}

function imageArgs(args: CodeImageArgs, plan: BuildPlan, tag: pulumi.Output<string>): dockerBuild.ImageArgs {
  const host = args.registry.replace(/^https?:\/\//, "").split("/")[0] ?? args.registry;
  const insecure = args.registry.startsWith("http://");
  // The build cache lives next to the image, so a code-only change rebuilds in seconds.
  const cacheRef = `${args.imageName}:buildcache`;
  const buildArgs: Record<string, pulumi.Input<string>> = {};
  for (const [key, arg] of Object.entries(plan.buildArgs)) buildArgs[key] = arg.secret ? pulumi.secret(arg.value) : arg.value;
  return {
    context: { location: plan.context },
    dockerfile: plan.dockerfileAmended ? { inline: plan.dockerfile } : { location: plan.dockerfilePath },
    buildArgs,
    platforms: [plan.platform as dockerBuild.Platform],
    tags: [pulumi.interpolate`${args.imageName}:${tag}`],
    push: false,
    exports: [{ registry: { ociMediaTypes: plan.ociMediaTypes, insecure } }],
    cacheFrom: [{ registry: { ref: cacheRef } }],
    cacheTo: [{ registry: { ref: cacheRef, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: plan.ociMediaTypes } }],
    registries: pulumi.output(args.push).apply((login) =>
      login ? [{ address: host, username: login.username, password: login.password }] : [],
    ),
    buildOnPreview: false,
  };
}

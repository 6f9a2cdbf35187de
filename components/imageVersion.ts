import * as pulumi from "@pulumi/pulumi";
import { RegistryClient } from "../lib/registry/client";
import { clientCredentials, type RegistryLogin } from "../lib/registry/login";
import { nextVersion } from "../lib/registry/nextTag";
import { DynamicResource, dynamicType } from "./dynamicResource";

export interface ImageVersionArgs {
  /** `host[:port][/path]` of the registry (http:// allowed for local registries). */
  readonly registry: pulumi.Input<string>;
  /** Repository below the registry address, for example `example/example--main`. */
  readonly repository: pulumi.Input<string>;
  readonly dagsterVersion: pulumi.Input<string>;
  /** Hash of everything that goes into the image: a new one allocates a new version. */
  readonly sourceHash: pulumi.Input<string>;
  /** How to read the registry's tags: this run's login, used on create, never kept in the outputs. */
  readonly login: pulumi.Input<RegistryLogin>;
  /** Total time for the registry requests of one operation; out of the diff too. @default 30 s */
  readonly budgetMs?: pulumi.Input<number>;
}

interface VersionInputs {
  registry: string;
  repository: string;
  dagsterVersion: string;
  sourceHash: string;
  login: RegistryLogin;
  budgetMs?: number;
}

interface VersionOutputs {
  registry: string;
  repository: string;
  dagsterVersion: string;
  sourceHash: string;
  /** `<dagster_version>-<n>`, one past the largest such tag in the repository when allocated. */
  tag: string;
}

/** Changing any of these allocates a new version; credentials and the time budget do not. */
const IDENTITY = ["registry", "repository", "dagsterVersion", "sourceHash"] as const;

/**
 * Allocates the image version once, on create, and keeps it in state: an unchanged source keeps
 * its tag (no build, no push, no rollout), a changed one replaces this resource with a new tag.
 * Tags are never reused: the new one is past every `<dagster_version>-<n>` in the registry.
 *
 * Only `create` talks to the registry, with the login of the run at hand; the outputs never hold
 * a login, so a fresh token (every Azure run has one) is no change at all: no update, no new version.
 */
export const imageVersionProvider: pulumi.dynamic.ResourceProvider<VersionInputs, VersionOutputs> = {
  async create(inputs) {
    const client = new RegistryClient({ registry: inputs.registry, credentials: clientCredentials(inputs.login), budgetMs: inputs.budgetMs });
    const tags = await client.listTags(inputs.repository);
    const tag = nextVersion(tags, inputs.dagsterVersion);
    const { registry, repository, dagsterVersion, sourceHash } = inputs;
    return { id: `${client.imageRepository(inputs.repository)}:${tag}`, outs: { registry, repository, dagsterVersion, sourceHash, tag } };
  },

  async diff(_id, olds, news) {
    const replaces = IDENTITY.filter((key) => olds[key] !== news[key]);
    // A state written before logins left the outputs still holds one: an update drops it.
    return { changes: replaces.length > 0 || "login" in olds, replaces, deleteBeforeReplace: false };
  },

  async update(_id, olds) {
    // Reached only to drop a login an older state kept: the version stays.
    const { registry, repository, dagsterVersion, sourceHash, tag } = olds;
    return { outs: { registry, repository, dagsterVersion, sourceHash, tag } };
  },

  async delete() {
    // Pushed tags stay: a running job may still use the image. Registry retention policies prune them.
  },
};

/** The type token Pulumi gives this dynamic resource. */
export const IMAGE_VERSION_TYPE = dynamicType("ImageVersion");

/** The image tag `<dagster_version>-<n>` allocated once per source hash, so an unchanged repository keeps its tag (see the provider). */
export class ImageVersion extends DynamicResource {
  /** The allocated tag, `<dagster_version>-<n>`. */
  public declare readonly tag: pulumi.Output<string>;
  public declare readonly sourceHash: pulumi.Output<string>;

  constructor(name: string, args: ImageVersionArgs, opts?: pulumi.CustomResourceOptions) {
    super(imageVersionProvider, { file: __filename, exportName: "imageVersionProvider" }, "ImageVersion", name, { ...args, tag: undefined }, opts);
  }
}

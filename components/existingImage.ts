import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../lib/shared/errors";
import { RegistryClient } from "../lib/registry/client";
import { clientCredentials, isKnownLogin, type RegistryLogin } from "../lib/registry/login";
import { DynamicResource, dynamicType } from "./dynamicResource";

export interface ExistingImageArgs {
  readonly registry: pulumi.Input<string>;
  readonly repository: pulumi.Input<string>;
  /** A tag that must already be in the registry (`docker.image_tag`). */
  readonly tag: pulumi.Input<string>;
  /** This run's login; used by the operation at hand only, never kept in the outputs. */
  readonly login: pulumi.Input<RegistryLogin>;
  /** Total time for the registry requests of one operation; not part of the diff. @default 30 s */
  readonly budgetMs?: pulumi.Input<number>;
}

interface ExistingInputs {
  registry: string;
  repository: string;
  tag: string;
  login: RegistryLogin;
  budgetMs?: number;
}

interface ExistingOutputs {
  registry: string;
  repository: string;
  tag: string;
  /** `sha256:<hex>` of the tag's manifest when it was last looked up. */
  digest: string;
}

/** What identifies the pinned image: a change of any of these is another image. */
const IDENTITY = ["registry", "repository", "tag"] as const;

async function currentDigest(inputs: ExistingInputs): Promise<string> {
  const client = new RegistryClient({ registry: inputs.registry, credentials: clientCredentials(inputs.login), budgetMs: inputs.budgetMs });
  const digest = await client.manifestDigest(inputs.repository, inputs.tag);
  if (!digest) {
    throw new UserError(
      `docker.image_tag: ${client.imageRepository(inputs.repository)}:${inputs.tag} does not exist; ` +
        `push that tag first, or set docker.image_tag to a tag the repository has (npm run -s next-tag shows the newest)`,
    );
  }
  return digest;
}

async function pinned(inputs: ExistingInputs): Promise<ExistingOutputs> {
  const { registry, repository, tag } = inputs;
  return { registry, repository, tag, digest: await currentDigest(inputs) };
}

/**
 * Pins an existing tag to its digest, so a revived image is exactly the one that was pushed.
 *
 * Every registry request uses the login of the run at hand (`news`), never one from state: an
 * Azure token in state expires within hours. So a moved tag is noticed by `diff` (preview and up)
 * and re-pinned by `update`; there is no `read`, because `pulumi refresh` hands a dynamic provider
 * only what state holds, which has no login (a refresh leaves the pin as it is).
 */
export const existingImageProvider: pulumi.dynamic.ResourceProvider<ExistingInputs, ExistingOutputs> = {
  async create(inputs) {
    const outs = await pinned(inputs);
    return { id: `${outs.repository}@${outs.digest}`, outs };
  },
  async diff(_id, olds, news) {
    const replaces = IDENTITY.filter((key) => olds[key] !== news[key]);
    if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: false };
    // A state written before logins left the outputs still holds one: an update drops it.
    const staleLogin = "login" in olds;
    // An unknown login (a preview whose credentials come later) cannot ask: nothing to report yet.
    const moved = isKnownLogin(news.login) && (await currentDigest(news)) !== olds.digest;
    return { changes: moved || staleLogin, replaces: [], deleteBeforeReplace: false };
  },
  async update(_id, _olds, news) {
    return { outs: await pinned(news) };
  },
};

/** The type token Pulumi gives this dynamic resource. */
export const EXISTING_IMAGE_TYPE = dynamicType("ExistingImage");

/** An image tag that already exists (`docker.image_tag`, dagster-uc's revive), pinned to its digest (see the provider). */
export class ExistingImage extends DynamicResource {
  public declare readonly digest: pulumi.Output<string>;

  constructor(name: string, args: ExistingImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(existingImageProvider, { file: __filename, exportName: "existingImageProvider" }, "ExistingImage", name, { ...args, digest: undefined }, opts);
  }
}

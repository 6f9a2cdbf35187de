import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../lib/shared/errors";
import { RegistryClient } from "../lib/registry/client";
import { clientCredentials, type RegistryLogin } from "../lib/registry/login";
import { DynamicResource } from "./dynamicResource";

export interface ExistingImageArgs {
  readonly registry: pulumi.Input<string>;
  readonly repository: pulumi.Input<string>;
  /** A tag that must already be in the registry (`docker.image_tag`). */
  readonly tag: pulumi.Input<string>;
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

interface ExistingOutputs extends ExistingInputs {
  /** `sha256:<hex>` of the tag's manifest when it was looked up. */
  digest: string;
}

async function lookUp(inputs: ExistingInputs): Promise<ExistingOutputs> {
  const client = new RegistryClient({ registry: inputs.registry, credentials: clientCredentials(inputs.login), budgetMs: inputs.budgetMs });
  const digest = await client.manifestDigest(inputs.repository, inputs.tag);
  if (!digest) {
    throw new UserError(
      `docker.image_tag: ${client.imageRepository(inputs.repository)}:${inputs.tag} does not exist; ` +
        `push that tag first, or set docker.image_tag to a tag the repository has (npm run -s next-tag shows the newest)`,
    );
  }
  return { ...inputs, digest };
}

/** Pins an existing tag to its digest, so a revived image is exactly the one that was pushed. */
export const existingImageProvider: pulumi.dynamic.ResourceProvider<ExistingInputs, ExistingOutputs> = {
  async create(inputs) {
    const outs = await lookUp(inputs);
    return { id: `${outs.repository}@${outs.digest}`, outs };
  },
  async diff(_id, olds, news) {
    const replaces = (["registry", "repository", "tag"] as const).filter((key) => olds[key] !== news[key]);
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async update(_id, olds, news) {
    return { outs: { ...news, digest: olds.digest } };
  },
  async read(id, props) {
    // `pulumi refresh` notices a tag that was moved to another image.
    if (!props) return { id, props };
    return { id, props: await lookUp(props) };
  },
};

/** The type token Pulumi gives this dynamic resource. */
export const EXISTING_IMAGE_TYPE = "pulumi-nodejs:dynamic/dagster-code-locations:ExistingImage";

export class ExistingImage extends DynamicResource {
  public declare readonly digest: pulumi.Output<string>;

  constructor(name: string, args: ExistingImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(existingImageProvider, { file: __filename, exportName: "existingImageProvider" }, "ExistingImage", name, { ...args, digest: undefined }, { ...opts, additionalSecretOutputs: ["login"] });
  }
}

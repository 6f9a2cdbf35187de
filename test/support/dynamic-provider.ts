import * as pulumi from "@pulumi/pulumi";

export type LoadedProvider = Required<Pick<pulumi.dynamic.ResourceProvider, "create" | "diff" | "update">> & pulumi.dynamic.ResourceProvider;

/**
 * A dynamic provider as Pulumi's dynamic-provider host runs it: serialized by the closure
 * serializer (what Pulumi stores in state) and loaded fresh with require-from-string, as
 * @pulumi/pulumi's cmd/dynamic-provider does. Catches code that only works unserialized.
 */
export async function asHostLoadsIt(provider: pulumi.dynamic.ResourceProvider): Promise<LoadedProvider> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFromString = require("require-from-string") as (code: string) => { handler: () => LoadedProvider };
  return requireFromString(serialized.text).handler();
}

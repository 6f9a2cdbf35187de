import * as pulumi from "@pulumi/pulumi";
import type { RegistryAddress } from "../lib/config/registryAddress";
import { ACR_REFRESH_TOKEN_USER } from "../lib/registry/auth";
import { RegistryClient } from "../lib/registry/client";
import { clientCredentials, type RegistryLogin } from "../lib/registry/login";

/** How to log in to the registry that holds the images (and an OCI chart). */
export type RegistryCredentials =
  /** The current Azure identity's token, exchanged for an ACR refresh token (`az acr login --expose-token`, without az). */
  | { readonly azure: true }
  | { readonly username: string; readonly password: pulumi.Input<string> };

export interface RegistryAuth {
  /** Whether there are credentials at all. */
  readonly authenticated: boolean;
  /** How to read tags and manifests (secret). */
  readonly login: pulumi.Output<RegistryLogin>;
  /**
   * What BuildKit pushes with (secret); undefined for an anonymous registry. A preview pushes
   * nothing and gets no Azure password: BuildKit's diff ignores passwords, so it shows no change.
   */
  readonly push: pulumi.Output<{ username: string; password: string | undefined } | undefined>;
}

/** Registry credentials, secret from the start; none for an anonymous registry. */
export function registryAuth(registry: RegistryAddress, credentials: RegistryCredentials | undefined, budgetMs: number): RegistryAuth {
  let login: pulumi.Output<RegistryLogin>;
  if (credentials === undefined) login = pulumi.output<RegistryLogin>({ kind: "anonymous" });
  else if ("azure" in credentials) login = pulumi.secret(azureAccessToken().apply((accessToken): RegistryLogin => ({ kind: "azure", accessToken })));
  else {
    const { username } = credentials;
    login = pulumi.secret(pulumi.output(credentials.password).apply((password): RegistryLogin => ({ kind: "basic", username, password })));
  }

  const push = login.apply(async (value) => {
    if (value.kind === "anonymous") return undefined;
    if (value.kind === "basic") return { username: value.username, password: value.password };
    // The ACR exchange happens only when something may be pushed; a preview builds nothing.
    if (pulumi.runtime.isDryRun()) return { username: ACR_REFRESH_TOKEN_USER, password: undefined };
    return new RegistryClient({ registry: registry.input, credentials: clientCredentials(value), budgetMs }).dockerLoginCredentials();
  });
  return { authenticated: credentials !== undefined, login, push: pulumi.secret(push) };
}

function azureAccessToken(): pulumi.Output<string> {
  // Loaded only with Azure login on: the SDK costs start-up time and memory that others need not pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getClientTokenOutput } = require("@pulumi/azure-native/authorization/getClientToken") as typeof import("@pulumi/azure-native/authorization/getClientToken");
  return getClientTokenOutput().token;
}

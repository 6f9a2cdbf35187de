import * as pulumi from "@pulumi/pulumi";
import { ACR_REFRESH_TOKEN_USER } from "../lib/registry/auth";
import { RegistryClient } from "../lib/registry/client";
import { clientCredentials, type RegistryLogin } from "../lib/registry/login";
import type { Settings } from "../lib/config/schema";

export interface RegistryAuth {
  /** Whether there are credentials at all (Azure login, or a user with a password). */
  readonly authenticated: boolean;
  /** How to read tags and manifests (secret). */
  readonly login: pulumi.Output<RegistryLogin>;
  /**
   * What BuildKit pushes with (secret); undefined for an anonymous registry. A preview pushes
   * nothing and gets no Azure password: BuildKit's diff ignores passwords, so it shows no change.
   */
  readonly push: pulumi.Output<{ username: string; password: string | undefined } | undefined>;
}

/**
 * Registry credentials, secret from the start: Azure login through the current identity's AAD
 * token (what `az acr login --expose-token` does, without the az CLI), or `docker.username` with
 * the secret `registry_password`, or none.
 */
export function registryAuth(settings: Settings): RegistryAuth {
  const docker = settings.docker;
  let login: pulumi.Output<RegistryLogin>;
  let authenticated = true;
  if (docker.use_az_login) {
    login = pulumi.secret(azureAccessToken().apply((accessToken): RegistryLogin => ({ kind: "azure", accessToken })));
  } else if (docker.username !== undefined && settings.registry_password !== undefined) {
    login = pulumi.secret<RegistryLogin>({ kind: "basic", username: docker.username, password: settings.registry_password });
  } else {
    login = pulumi.output<RegistryLogin>({ kind: "anonymous" });
    authenticated = false;
  }

  const push = login.apply(async (value) => {
    if (value.kind === "anonymous") return undefined;
    if (value.kind === "basic") return { username: value.username, password: value.password };
    // The ACR exchange happens only when something may be pushed; a preview builds nothing.
    if (pulumi.runtime.isDryRun()) return { username: ACR_REFRESH_TOKEN_USER, password: undefined };
    return new RegistryClient({ registry: docker.container_registry, credentials: clientCredentials(value) }).dockerLoginCredentials();
  });
  return { authenticated, login, push: pulumi.secret(push) };
}

function azureAccessToken(): pulumi.Output<string> {
  // Loaded only with Azure login on: the SDK costs start-up time and memory that others need not pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getClientTokenOutput } = require("@pulumi/azure-native/authorization/getClientToken") as typeof import("@pulumi/azure-native/authorization/getClientToken");
  return getClientTokenOutput().token;
}

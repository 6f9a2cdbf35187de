import type * as k8s from "@kubernetes/client-node";

/**
 * @kubernetes/client-node, loaded when first needed. These modules run inside Pulumi dynamic
 * providers, whose closure serializer cannot serialize this (ESM) library by value; a require
 * inside the function is kept as a require, run where the provider runs.
 */
export function kubernetesClient(): typeof k8s {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("@kubernetes/client-node") as typeof k8s;
}

/** Picks the kube context every workspace call goes through. */
import type * as k8s from "@kubernetes/client-node";
import { kubernetesClient } from "./client";
import { UserError } from "../shared/errors";

/**
 * A KubeConfig whose current context is `context`. Without `source` it reads the default
 * locations ($KUBECONFIG, ~/.kube/config); `{ yaml }` takes a kubeconfig's text (tests use it).
 */
export function loadKubeConfig(context: string, source: { path?: string; yaml?: string } = {}): k8s.KubeConfig {
  const kc = new (kubernetesClient().KubeConfig)();
  const origin = source.yaml !== undefined ? "the given kubeconfig" : source.path ?? "the default kubeconfig";
  try {
    if (source.yaml !== undefined) kc.loadFromString(source.yaml);
    else if (source.path !== undefined) kc.loadFromFile(source.path);
    else kc.loadFromDefault();
  } catch (err) {
    throw new UserError(`cannot read ${origin}: ${(err as Error).message.split("\n")[0]}`);
  }
  return selectContext(kc, context, origin);
}

/** Sets the current context, or says which contexts exist. */
export function selectContext(kc: k8s.KubeConfig, context: string, origin = "the kubeconfig"): k8s.KubeConfig {
  if (!kc.getContextObject(context)) {
    const known = kc.getContexts().map((c) => c.name);
    throw new UserError(
      `kube context "${context}" is not in ${origin} (${known.length ? `known: ${known.join(", ")}` : "it has no contexts"})`,
    );
  }
  kc.setCurrentContext(context);
  return kc;
}

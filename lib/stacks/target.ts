/**
 * Where a branch stack's code location lives: its kube context, code server, Helm release and the
 * instance's webserver. The stack's outputs say what the last update deployed; its config (planned
 * as `pulumi up` plans it) fills in the rest, and everything when no update has succeeded yet.
 */
import { SECRET_PLACEHOLDER } from "../config/stackFiles";
import { locationPageUrl } from "../plan/locationUrl";
import type { DeploymentPlan } from "../plan/plan";
import type { ServiceRef } from "../workspace/service-proxy";

export interface StackTarget {
  /** The kube context of the stack's `kubernetes.context`, not the kubeconfig's current one. */
  readonly context: string;
  readonly namespace: string;
  readonly deploymentName: string;
  readonly releaseName: string;
  readonly locationName: string;
  /** The instance's webserver, reached through the API server's service proxy. */
  readonly webserver: ServiceRef;
  readonly uiUrl: string | undefined;
  /** `kubernetes` is set with --secret: its context (and namespace) are not to be shown. */
  readonly concealed: boolean;
}

export function stackTarget(plan: DeploymentPlan, outputs: Readonly<Record<string, unknown>>): StackTarget {
  const { kubernetes, instance, dagster_gui_url: uiUrl } = plan.settings;
  const locationName = text(outputs.locationName) ?? plan.names.locationName;
  return {
    context: kubernetes.context,
    namespace: text(outputs.namespace) ?? kubernetes.namespace,
    deploymentName: text(outputs.deploymentName) ?? plan.names.deploymentName,
    releaseName: text(outputs.releaseName) ?? plan.names.releaseName,
    locationName,
    webserver: { namespace: kubernetes.namespace, service: instance.webserver_service, port: instance.webserver_port },
    uiUrl: text(outputs.locationUrl) ?? (uiUrl ? locationPageUrl(uiUrl, locationName) : undefined),
    concealed: plan.secrets.keys.has("kubernetes"),
  };
}

/** An output's text; a secret one (`[secret]` in `pulumi stack output --json`) is no name, so the plan's stands. */
function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value !== SECRET_PLACEHOLDER ? value : undefined;
}

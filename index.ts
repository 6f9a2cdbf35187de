import { CodeLocation, codeLocationArgs, planStack } from "dagster-code-locations";

// This stack's config (Pulumi.yaml's defaults under Pulumi.<stack>.yaml) → settings → names.
const plan = planStack();
// The image, the code server's Helm release and the location's workspace entry.
const location = new CodeLocation("code-location", codeLocationArgs(plan));

export const { deploymentName, locationName, image, releaseName, namespace, branch, locationUrl, definitions } = location;

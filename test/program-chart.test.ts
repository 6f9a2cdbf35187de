// The program through Pulumi's own runner (cmd/run, mocks preloaded), one process per run, against
// the real loopback registry with auth holding Dagster's chart: helm.skip_schema_validation off.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { registryConfigPath } from "../lib/chart/registryConfig";
import { readStackFiles } from "../lib/config/stackFiles";
import { dagsterChartFiles, packChart, pushChart } from "./support/charts";
import { registrySkipReason, startRegistry, type LocalRegistry } from "./support/docker-registry";
import { runUnderLoader } from "./support/pulumi-loader";
import { REPO_ROOT } from "./support/repo";

const P = "dagster-code-locations";
const STACK = "dev.chart-check";
const PASSWORD = "chart-pull-secret-42";
const skip = registrySkipReason();

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

describe("deploying a chart from the team's registry with its schema kept", { skip, timeout: 240_000 }, () => {
  let registry: LocalRegistry;
  before(async () => {
    registry = await startRegistry({ auth: { username: "deployer", password: PASSWORD } });
    await pushChart(registry, "helm/dagster/dagster-user-deployments", "dagster-user-deployments", "1.11.16", packChart("dagster-user-deployments", dagsterChartFiles("1.11.16")));
  });
  after(() => registry?.stop());

  /** The dev stack with the loopback registry, an existing image, schema validation on, and `chart` values. */
  function run(chart: Record<string, unknown> = {}) {
    const files = readStackFiles(REPO_ROOT, "dev");
    const docker = JSON.parse(files.config[`${P}:docker`] ?? "{}");
    const config = {
      ...files.config,
      [`${P}:branch`]: "chart-check",
      [`${P}:use_latest_chart_version`]: "false",
      [`${P}:helm`]: JSON.stringify({ skip_schema_validation: false }),
      [`${P}:chart`]: JSON.stringify(chart),
      [`${P}:registry_password`]: PASSWORD,
      [`${P}:docker`]: JSON.stringify({ ...docker, container_registry: registry.registry, use_az_login: false, username: "deployer", image_tag: "1.11.16-1" }),
    };
    return runUnderLoader(P, STACK, config);
  }

  it("deploys from the OCI reference at dagster_version, Helm reading the credentials from a file that is gone after the run", () => {
    const result = run();
    assert.equal(result.status, 0, result.stderr);
    const { resources } = JSON.parse(result.stdout) as { resources: Registered[] };
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    const host = registry.registry.replace("http://", "");
    assert.equal(release?.inputs.chart, `oci://${host}/helm/dagster/dagster-user-deployments`);
    assert.equal(release?.inputs.version, "1.11.16");
    assert.equal(release?.inputs.repositoryOpts, undefined);

    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes");
    const file = registryConfigPath(P, STACK);
    // A provider's object inputs travel as JSON.
    assert.deepEqual(JSON.parse(String(provider?.inputs.helmReleaseSettings)), { registryConfigPath: file });
    assert.ok(!existsSync(file), `${file} should be removed when the run ends`);
    assert.ok(!JSON.stringify(release).includes(PASSWORD) && !JSON.stringify(provider).includes(PASSWORD));
  });

  it("stops a `chart:` value of the wrong type before anything is deployed, naming its path", () => {
    const result = run({ dagsterHome: 5, serviceAccount: { create: "yes please" } });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /chart: dagster-user-deployments 1\.11\.16's values\.schema\.json rejects values\.dagsterHome: must be string/);
    assert.match(result.stderr, /values\.serviceAccount\.create: must be boolean/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    const { types } = JSON.parse(result.stdout) as { types: string[] };
    assert.ok(!types.includes("kubernetes:helm.sh/v3:Release"), types.join(", "));
  });
});

import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";

// The component on its own, as a hand-written program uses it: no stack file, no settings.
interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const DIGEST = `sha256:${"cd".repeat(32)}`;

before(async () => {
  // render's offline mode: the chart stays as configured, nothing is contacted.
  process.env.DAGSTER_CODE_LOCATIONS_OFFLINE = "1";
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const computed = args.type.endsWith(":ExistingImage") ? { digest: DIGEST } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computed } };
      },
      call: (args) => {
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    "project",
    "stack",
    true,
  );
});
beforeEach(() => registered.splice(0));

// Loaded after the mocks, as Pulumi's testing guide does.
async function component() {
  return require("../components/index") as typeof import("../components/index"); // eslint-disable-line @typescript-eslint/no-require-imports
}

function value<T>(output: pulumi.Output<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => (output ? output.apply(resolve) : resolve(undefined)));
}

async function location(overrides: Record<string, unknown> = {}) {
  const api = await component();
  const names = api.deploymentNames({ project: "example", branch: "Feature/X" });
  const registry = api.parseRegistryAddress("registry.example.com");
  const args = {
    names,
    dagsterVersion: "1.11.16",
    kubernetes: { context: "aks-dev", namespace: "dagster" },
    registry: { address: registry },
    image: { repository: `team/${names.deploymentName}`, existingTag: "1.11.16-4" },
    chart: { source: { name: "dagster-user-deployments", chart: "dagster-user-deployments", repo: "https://dagster-io.github.io/helm", ociRepository: undefined, version: "1.11.16", skipSchemaValidation: false } },
    codeServer: { codePath: "/app/repo.py" },
    ...overrides,
  } as import("../components/codeLocation").CodeLocationArgs;
  const created = new api.CodeLocation("loc", args);
  // Resources that wait on others register once their inputs settle.
  await value(created.image);
  await value(created.workspaceEntry.id);
  return created;
}

const only = (type: string) => {
  const found = registered.filter((r) => r.type === type);
  assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
  return found[0]!;
};
const releaseValues = () => only("kubernetes:helm.sh/v3:Release").inputs.values as { deployments: Record<string, unknown>[] };

describe("CodeLocation", () => {
  it("deploys exactly one deployment in its own release, named after the deployment", async () => {
    await location();
    const release = only("kubernetes:helm.sh/v3:Release");
    assert.equal(release.inputs.name, "example--feature-x");
    assert.equal(releaseValues().deployments.length, 1);
    assert.equal(releaseValues().deployments[0]!.name, "example--feature-x");
  });

  it("pins an existing tag by its digest", async () => {
    const created = await location();
    assert.deepEqual((releaseValues().deployments[0]!.image as { tag: string }).tag, `1.11.16-4@${DIGEST}`);
    assert.equal(await value(created.image), `registry.example.com/team/example--feature-x:1.11.16-4@${DIGEST}`);
  });

  it("runs the code server on the given definitions file", async () => {
    await location({ codeServer: { codePath: "example/repo.py" } });
    assert.deepEqual(releaseValues().deployments[0]!.dagsterApiGrpcArgs, ["-f", "example/repo.py"]);
  });

  it("registers with the Dagster chart's names by default, owned by <project>/<stack>", async () => {
    await location();
    const entry = only("pulumi-nodejs:dynamic/dagster-code-locations:WorkspaceEntry").inputs;
    assert.equal(entry.configMapName, "dagster-workspace-yaml");
    assert.deepEqual(entry.restart, { webserver: "dagster-dagster-webserver", daemon: "dagster-daemon" });
    assert.equal(entry.owner, "project/stack");
    assert.deepEqual(entry.entry, { locationName: "example:feature-x", host: "example--feature-x", port: 3030 });
  });

  it("checks the instance's Dagster version unless told not to", async () => {
    await location();
    assert.equal(registered.filter((r) => r.type.endsWith(":DagsterVersionCheck")).length, 1);
    registered.splice(0);
    await location({ instance: { checkDagsterVersion: false } });
    assert.equal(registered.filter((r) => r.type.endsWith(":DagsterVersionCheck")).length, 0);
  });

  it("links the location in the Dagster UI only when given its URL", async () => {
    assert.equal((await location()).locationUrl, undefined);
    const linked = await location({ dagsterUiUrl: "https://dagster.example.com/" });
    assert.equal(await value(linked.locationUrl), "https://dagster.example.com/locations/example:feature-x/assets");
  });

  it("refuses an image with both or neither of build and existingTag", async () => {
    await assert.rejects(location({ image: { repository: "team/x" } }), /give exactly one of build and existingTag/);
  });
});

describe("codeLocationArgs", () => {
  it("joins docker_root and code_path as dagster-uc's os.path.join did", async () => {
    const { joinPath } = require("../components/codeLocationArgs") as typeof import("../components/codeLocationArgs"); // eslint-disable-line @typescript-eslint/no-require-imports
    assert.equal(joinPath("", "example/repo.py"), "example/repo.py");
    assert.equal(joinPath(".", "example/repo.py"), "./example/repo.py");
    assert.equal(joinPath("/opt/app/", "repo.py"), "/opt/app/repo.py");
    assert.equal(joinPath("/opt/app", "/elsewhere/repo.py"), "/elsewhere/repo.py");
  });
});

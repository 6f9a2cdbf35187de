// Preloaded (node --require) into @pulumi/pulumi's own program runner, `cmd/run` — the entry point the
// Pulumi CLI's Node.js language host starts — to put Pulumi's mock monitor where the engine would be.
// `--monitor=mock` tells the runner to use it. At exit, prints {types, resources, outputs} as JSON on
// stdout; `resources` holds each registration's type, name and inputs.
// Plain JavaScript on purpose: TypeScript in this process is loaded by the runner's ts-node alone.
"use strict";
const pulumi = require("@pulumi/pulumi");

const { project, stack, config, secretKeys = [] } = JSON.parse(process.env.LOADER_TEST_INPUT);
const types = [];
const resources = [];
// As the language host passes them: the config, and which of its keys are secrets.
pulumi.runtime.setAllConfig(config, secretKeys);
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      types.push(args.type);
      resources.push({ type: args.type, name: args.name, inputs: args.inputs });
      // What the registry would answer for an existing tag.
      const digest = `sha256:${"0".repeat(64)}`;
      const computed = args.type.endsWith(":ExistingImage") || args.type === "docker-build:index:Image" ? { digest } : args.type.endsWith(":ImageVersion") ? { tag: `${args.inputs.dagsterVersion ?? "1.11.16"}-1` } : {};
      return { id: `${args.name}-id`, state: { ...args.inputs, ...computed } };
    },
    call: (args) => {
      if (args.token === "azure-native:authorization:getClientToken") return { token: "test-token" };
      throw new Error(`unexpected call ${args.token}`);
    },
  },
  project,
  stack,
  true,
);

process.on("exit", () => {
  const registered = pulumi.runtime.getMonitor().getRegisteredResources();
  const stackResource = [...registered.values()].find((r) => r.urn.includes("::pulumi:pulumi:Stack::"));
  const state = stackResource && stackResource.state;
  const outputs = state && typeof state.toJavaScript === "function" ? state.toJavaScript() : state;
  process.stdout.write(JSON.stringify({ types, resources, outputs }));
});

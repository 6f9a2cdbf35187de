// `node bench/closure-cost.cjs PACKAGE_DIST`: what Pulumi's closure serializer costs for the dynamic
// providers a dev stack has (pulumi.dynamic.Resource runs it once per provider and program run),
// in a process that has loaded what render loads. Prints {ms, chars} for serializing all three,
// timed alone. PACKAGE_DIST: this repository's dist/ (providers written out by value) or an
// installed package's (its modules become requires). Plain CommonJS: no TypeScript loader.
"use strict";
const path = require("node:path");
const dist = path.resolve(process.argv[2]);
const from = (request) => require(require.resolve(request, { paths: [dist] }));
const pulumi = from("@pulumi/pulumi");
from("@pulumi/kubernetes");
from("@pulumi/docker-build");
require(path.join(dist, "components/index.js"));
require(path.join(dist, "cli/commands/render.js"));
const providers = [
  require(path.join(dist, "components/dagsterVersionCheck.js")).dagsterVersionCheckProvider,
  require(path.join(dist, "components/imageVersion.js")).imageVersionProvider,
  require(path.join(dist, "components/workspaceEntry.js")).workspaceEntryProvider,
];
(async () => {
  const start = process.hrtime.bigint();
  let chars = 0;
  for (const provider of providers) chars += (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text.length;
  process.stdout.write(`${JSON.stringify({ ms: Number(process.hrtime.bigint() - start) / 1e6, chars })}\n`);
})();

// Preloaded with `node --require` into measured Node children. At exit it writes, to the file named by
// BENCH_PROBE_OUT, the process's peak RSS (KiB) and every loaded module under @pulumi/azure-native:
// the child reports on itself, so no wrapper like /usr/bin/time is needed and nothing is inferred.
// Plain CommonJS on purpose: it must load before tsx.
"use strict";
const out = process.env.BENCH_PROBE_OUT;
if (out) {
  process.once("exit", () => {
    const azureNative = Object.keys(require.cache).filter((file) => file.includes(`${require("node:path").sep}@pulumi${require("node:path").sep}azure-native${require("node:path").sep}`));
    require("node:fs").writeFileSync(out, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, azureNative }));
  });
}

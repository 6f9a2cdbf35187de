// Preloaded (NODE_OPTIONS=--require) into a CLI process under test: at exit, writes every module in
// require.cache to the file named by LOADED_MODULES_OUT, one path a line. Plain CommonJS: it must
// load before anything else.
"use strict";
const out = process.env.LOADED_MODULES_OUT;
if (out) process.once("exit", () => require("node:fs").writeFileSync(out, Object.keys(require.cache).join("\n")));

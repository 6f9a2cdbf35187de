import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { describe, it } from "node:test";
import { COMMANDS, STACKS_SUBCOMMANDS, usageLine } from "../cli/usage";
import { cleanEnv, runCli } from "./support/repo";

// The compiled command, from a directory that is not this checkout, as an installed bin runs.
const elsewhere = { cwd: tmpdir() };

describe("the command line", () => {
  it("answers --help at the top level with every command, exit 0", () => {
    const run = runCli(["--help"], elsewhere);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^usage: dagster-code-locations <render\|names\|import-config\|next-tag\|stacks> \[options\]\n/);
    for (const spec of COMMANDS) assert.match(run.stdout, new RegExp(`\\n  ${spec.name} +${spec.summary.slice(0, 20).replace(/[()`.*+?[\]]/g, "\\$&")}`));
  });

  for (const spec of [...COMMANDS.filter((c) => c.name !== "stacks"), ...STACKS_SUBCOMMANDS]) {
    it(`answers ${spec.name} --help with its usage, every option and an example, exit 0`, () => {
      const run = runCli([...spec.name.split(" "), "--help"], elsewhere);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, "");
      assert.ok(run.stdout.startsWith(`usage: ${usageLine(spec)}\n`), run.stdout);
      for (const option of Object.keys(spec.options)) assert.match(run.stdout, new RegExp(`\\n  --${option}\\b`));
      assert.match(run.stdout, /\nexample:\n  .*dagster-code-locations /);
    });
  }

  it("answers stacks --help with its subcommands", () => {
    const run = runCli(["stacks", "--help"], elsewhere);
    assert.equal(run.code, 0);
    for (const spec of STACKS_SUBCOMMANDS) assert.match(run.stdout, new RegExp(`\\n  ${spec.name.split(" ")[1]} `));
  });

  it("exits 2 with the usage line on an unknown command or option, or a missing required one", () => {
    for (const args of [["bogus"], [], ["render"], ["render", "--stak", "dev"], ["stacks", "up", "--nope"], ["stacks"]]) {
      const run = runCli(args, elsewhere);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /^error: .*\n(.*\n)*usage: dagster-code-locations /, args.join(" "));
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });

  it("says how to pass options through when npm run kept them (no -- before them)", () => {
    // `npm run -s render --stack dev` runs `render dev` with npm_config_stack=true.
    const run = runCli(["render", "dev"], { ...elsewhere, env: cleanEnv({ npm_lifecycle_event: "render", npm_config_stack: "true" }) });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /\nhint: npm run kept --stack for itself; put -- before the command's options: npm run -s render -- --stack \.\.\.\n$/);
  });
});

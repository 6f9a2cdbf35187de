import assert from "node:assert/strict";
import { describe, it } from "node:test";
import YAML from "yaml";
import { isUserError } from "../lib/shared/errors";
import {
  OWNERS_ANNOTATION,
  entryMatches,
  entryProblems,
  findEntry,
  parseOwners,
  parseWorkspace,
  removeEntry,
  serializeOwners,
  serializeWorkspace,
  upsertEntry,
  withOwner,
} from "../lib/workspace/document";
import { planRegister, planUnregister } from "../lib/workspace/plan";

const where = "ConfigMap dagster/dagster-workspace-yaml";
const ref = { namespace: "dagster", name: "dagster-workspace-yaml" };

/** What the Dagster Helm chart renders. */
const chartWorkspace = `load_from:
  - grpc_server:
      host: zeta
      port: 3030
      location_name: zeta
  - grpc_server:
      host: alpha
      port: 3030
      location_name: alpha
`;

function userErrorMatching(pattern: RegExp) {
  return (err: unknown) => isUserError(err) && pattern.test(err.message) && !err.message.includes("\n");
}

describe("parseWorkspace", () => {
  it("reads the chart's workspace", () => {
    const doc = parseWorkspace(chartWorkspace, where);
    assert.equal(doc.loadFrom.length, 2);
    assert.deepEqual(findEntry(doc, "alpha", where)?.fields, { host: "alpha", port: 3030, location_name: "alpha" });
  });

  it("treats empty text, `load_from: []` and a missing load_from as an empty workspace", () => {
    for (const text of ["", "# nothing\n", "load_from: []\n", "load_from:\n"]) {
      assert.deepEqual(parseWorkspace(text, where).loadFrom, [], text);
    }
  });

  const malformed: Array<[string, string, RegExp]> = [
    ["not YAML", "load_from: [\n", /is not valid YAML/],
    ["a scalar", "hello\n", /is not a mapping/],
    ["load_from not a list", "load_from:\n  grpc_server: {}\n", /load_from that is not a list/],
    ["item not a mapping", "load_from:\n  - just-a-string\n", /load_from\[0\].*exactly one loader key/],
    ["item with two loaders", "load_from:\n  - grpc_server: {host: a}\n    python_file: b.py\n", /load_from\[0\]/],
    ["grpc_server not a mapping", "load_from:\n  - grpc_server: x\n", /grpc_server must be a mapping/],
    ["port a string", "load_from:\n  - grpc_server: {host: a, port: '3030', location_name: a}\n", /port must be an integer/],
    ["location_name a number", "load_from:\n  - grpc_server: {host: a, port: 1, location_name: 5}\n", /location_name must be a non-empty string/],
    ["duplicate keys", "load_from: []\nload_from: []\n", /is not valid YAML/],
  ];
  for (const [name, text, pattern] of malformed) {
    it(`reports ${name}, naming where`, () => {
      assert.throws(() => parseWorkspace(text, where), (err: unknown) => userErrorMatching(pattern)(err) && (err as Error).message.startsWith(where));
    });
  }

  it("accepts env sources and other loaders as Dagster does", () => {
    const text = `load_from:
  - python_file: repo.py
  - python_module: {module_name: pkg.defs, location_name: mod}
  - grpc_server: {host: {env: HOST}, port: {env: PORT}, location_name: env-loc}
`;
    assert.equal(parseWorkspace(text, where).loadFrom.length, 3);
  });

  it("reads YAML 1.1 like PyYAML does", () => {
    // 12:30 is a base-60 integer in YAML 1.1, so Dagster would reject it as a location_name.
    assert.throws(() => parseWorkspace("load_from:\n  - grpc_server: {host: a, port: 1, location_name: 12:30}\n", where), /location_name/);
  });
});

describe("serializeWorkspace", () => {
  it("sorts entries by location name and keeps other loaders and top-level keys", () => {
    const text = `load_from:
  - grpc_server: {host: b, port: 3030, location_name: "b:main"}
  - python_file: {relative_path: repo.py, location_name: a-file}
  - python_file: plain.py
  - grpc_server: {host: a, port: 3030, location_name: "a:main"}
extra_key: {kept: true}
`;
    const out = serializeWorkspace(parseWorkspace(text, where));
    const value = YAML.parse(out) as { load_from: unknown[]; extra_key: unknown };
    assert.deepEqual(value.load_from, [
      { python_file: "plain.py" },
      { python_file: { relative_path: "repo.py", location_name: "a-file" } },
      { grpc_server: { host: "a", port: 3030, location_name: "a:main" } },
      { grpc_server: { host: "b", port: 3030, location_name: "b:main" } },
    ]);
    assert.deepEqual(value.extra_key, { kept: true });
    assert.ok(out.startsWith("load_from:\n"));
  });

  it("is deterministic whatever the input order", () => {
    const entries = ["c", "a", "b"].map((n) => ({ locationName: n, host: n, port: 3030 }));
    let forward = parseWorkspace("", where);
    for (const e of entries) forward = upsertEntry(forward, e, where).doc;
    let backward = parseWorkspace("", where);
    for (const e of [...entries].reverse()) backward = upsertEntry(backward, e, where).doc;
    assert.equal(serializeWorkspace(forward), serializeWorkspace(backward));
  });

  it("quotes names that YAML 1.1 would misread, and round-trips them", () => {
    const doc = upsertEntry(parseWorkspace("", where), { locationName: "no", host: "on", port: 3030 }, where).doc;
    const out = serializeWorkspace(doc);
    assert.match(out, /location_name: "no"/);
    assert.ok(entryMatches(findEntry(parseWorkspace(out, where), "no", where), { locationName: "no", host: "on", port: 3030 }));
  });

  it("writes an empty workspace as `load_from: []`", () => {
    assert.equal(serializeWorkspace(parseWorkspace("", where)), "load_from: []\n");
  });
});

describe("upsertEntry / removeEntry", () => {
  const entry = { locationName: "proj:feat-x", host: "proj--feat-x", port: 3030 };

  it("adds, then reports no change for the identical entry", () => {
    const added = upsertEntry(parseWorkspace(chartWorkspace, where), entry, where);
    assert.equal(added.changed, true);
    assert.equal(added.doc.loadFrom.length, 3);
    const again = upsertEntry(parseWorkspace(serializeWorkspace(added.doc), where), entry, where);
    assert.equal(again.changed, false);
  });

  it("replaces a changed entry, and one with extra keys, in place of the old", () => {
    const doc = upsertEntry(parseWorkspace(chartWorkspace, where), entry, where).doc;
    const moved = upsertEntry(doc, { ...entry, port: 4000 }, where);
    assert.equal(moved.changed, true);
    assert.equal(moved.doc.loadFrom.length, 3);
    assert.equal(findEntry(moved.doc, entry.locationName, where)?.port, 4000);

    const withSsl = parseWorkspace(`load_from:\n  - grpc_server: {host: ${entry.host}, port: 3030, location_name: "${entry.locationName}", ssl: true}\n`, where);
    assert.equal(upsertEntry(withSsl, entry, where).changed, true);
  });

  it("removes exactly one entry; removing an absent one is no change", () => {
    const removed = removeEntry(parseWorkspace(chartWorkspace, where), "zeta", where);
    assert.equal(removed.changed, true);
    assert.deepEqual(removed.doc.loadFrom, [{ grpc_server: { host: "alpha", port: 3030, location_name: "alpha" } }]);
    assert.equal(removeEntry(removed.doc, "zeta", where).changed, false);
  });

  it("refuses to pick among duplicate entries of the same name", () => {
    const dup = parseWorkspace("load_from:\n  - grpc_server: {host: a, port: 1, location_name: x}\n  - grpc_server: {host: b, port: 2, location_name: x}\n", where);
    assert.throws(() => upsertEntry(dup, { locationName: "x", host: "a", port: 1 }, where), userErrorMatching(/"x" 2 times/));
    assert.throws(() => removeEntry(dup, "x", where), userErrorMatching(/2 times/));
  });

  it("validates entries before they are written", () => {
    assert.deepEqual(entryProblems(entry), []);
    assert.equal(entryProblems({ locationName: "", host: " ", port: 70000 }).length, 3);
  });
});

describe("ownership annotation", () => {
  it("round-trips with sorted keys and drops itself when empty", () => {
    const owners = withOwner(withOwner({}, "b", "p/dev"), "a", "p/prod");
    const text = serializeOwners(owners);
    assert.equal(text, '{"a":"p/prod","b":"p/dev"}');
    assert.deepEqual(parseOwners({ [OWNERS_ANNOTATION]: text as string }, where), owners);
    assert.equal(serializeOwners(withOwner(withOwner(owners, "a", undefined), "b", undefined)), undefined);
  });

  it("reports a malformed annotation", () => {
    for (const bad of ["not json", "[]", '{"a": 1}']) {
      assert.throws(() => parseOwners({ [OWNERS_ANNOTATION]: bad }, where), userErrorMatching(/annotation dagster-code-locations\/owners/));
    }
  });
});

describe("planRegister / planUnregister (pure)", () => {
  const entry = { locationName: "alpha", host: "alpha", port: 3030 };
  const cm = (annotations: Record<string, string> = {}) => ({
    metadata: { name: ref.name, namespace: ref.namespace, resourceVersion: "7", labels: { release: "dagster" }, annotations },
    data: { "workspace.yaml": chartWorkspace, "other-key": "kept" },
  });

  it("adopts an unowned entry only when asked, without rewriting identical content", () => {
    assert.throws(() => planRegister(ref, cm(), { entry, owner: "p/s", adoptUnowned: false }), userErrorMatching(/no stack owns it.*instance\.adopt_unowned_entry: true/));
    const plan = planRegister(ref, cm({ note: "x" }), { entry, owner: "p/s", adoptUnowned: true });
    assert.equal(plan.contentChanged, false);
    assert.equal(plan.next?.data?.["workspace.yaml"], chartWorkspace);
    assert.equal(plan.next?.data?.["other-key"], "kept");
    assert.equal(plan.next?.metadata?.resourceVersion, "7");
    assert.deepEqual(plan.next?.metadata?.labels, { release: "dagster" });
    assert.deepEqual(plan.next?.metadata?.annotations, { note: "x", [OWNERS_ANNOTATION]: '{"alpha":"p/s"}' });
  });

  it("refuses a location owned by another stack, even when its entry is gone", () => {
    const owned = cm({ [OWNERS_ANNOTATION]: '{"beta":"other/prod"}' });
    assert.throws(
      () => planRegister(ref, owned, { entry: { ...entry, locationName: "beta" }, owner: "p/s", adoptUnowned: true }),
      userErrorMatching(/registered by stack other\/prod/),
    );
  });

  it("writes nothing when entry and owner are already right", () => {
    const owned = cm({ [OWNERS_ANNOTATION]: '{"alpha":"p/s"}' });
    assert.equal(planRegister(ref, owned, { entry, owner: "p/s", adoptUnowned: false }).next, undefined);
  });

  it("unregister leaves others' and unowned entries alone, with a warning", () => {
    const other = planUnregister(ref, cm({ [OWNERS_ANNOTATION]: '{"alpha":"other/prod"}' }), { locationName: "alpha", owner: "p/s" });
    assert.equal(other.next, undefined);
    assert.match(other.warnings[0] ?? "", /belongs to stack other\/prod/);
    const unowned = planUnregister(ref, cm(), { locationName: "alpha", owner: "p/s" });
    assert.equal(unowned.next, undefined);
    assert.match(unowned.warnings[0] ?? "", /not owned by any stack/);
    assert.deepEqual(planUnregister(ref, undefined, { locationName: "alpha", owner: "p/s" }).warnings, []);
  });

  it("refuses an immutable ConfigMap", () => {
    assert.throws(() => planRegister(ref, { ...cm(), immutable: true }, { entry: { ...entry, locationName: "new" }, owner: "p/s", adoptUnowned: false }), userErrorMatching(/immutable/));
  });
});

import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** The name the dynamic-provider host requires this package by. */
const PACKAGE = "dagster-code-locations";
/** The `<module>` of the type tokens, `pulumi-nodejs:dynamic/<module>:<type>`. */
const MODULE = "dagster-code-locations";

/** The type token of this package's dynamic resource `type`: `pulumi-nodejs:dynamic/dagster-code-locations:<type>`. */
export function dynamicType(type: string): string {
  return `pulumi-nodejs:dynamic/${MODULE}:${type}`;
}

/** Where the provider object is: a compiled module of this package (its `__filename`) and the export. */
export interface ProviderModule {
  readonly file: string;
  readonly exportName: string;
}

/**
 * A dynamic resource (type `pulumi-nodejs:dynamic/dagster-code-locations:<type>`), as
 * pulumi.dynamic.Resource makes one, but without running Pulumi's closure serializer on every
 * program run when it can be avoided: that serializer opens a V8 inspector session over every
 * loaded script and parses the provider's code with TypeScript, about 0.6 s of a 1.5 s evaluation
 * (docs/performance.md). When the program's directory resolves `dagster-code-locations` to this
 * very module, the provider's `__provider` text is a `require` of it by package name, which is
 * what the serializer itself writes for an installed package's code, and what the host
 * (cmd/dynamic-provider) loads with require-from-string from the same directory. Otherwise (this
 * repository's own program, tests run from source) it is serialized as pulumi.dynamic.Resource does.
 */
export abstract class DynamicResource extends pulumi.CustomResource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    where: ProviderModule,
    type: string,
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    if ("__provider" in props) throw new Error("A dynamic resource must not define the __provider key");
    super(dynamicType(type), name, { ...props, __provider: providerText(provider, where) }, opts);
  }
}

const serialized = new WeakMap<object, pulumi.Output<string>>();

function providerText(provider: pulumi.dynamic.ResourceProvider, where: ProviderModule): pulumi.Input<string> {
  const specifier = installedSpecifier(where.file, process.cwd());
  if (specifier !== undefined) return requireText(specifier, where.exportName);
  // Once per provider and process, as pulumi.dynamic.Resource caches it.
  let text = serialized.get(provider);
  if (!text) {
    const done = pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    text = pulumi.output(done).apply((s): pulumi.Output<string> => (s.containsSecrets ? pulumi.secret(s.text) : pulumi.output(s.text)));
    serialized.set(provider, text);
  }
  return text;
}

/** The provider module written out as the host loads it: `exports.handler()` returns the provider. */
export function requireText(specifier: string, exportName: string): string {
  return `exports.handler = function () {\n  return require(${JSON.stringify(specifier)})[${JSON.stringify(exportName)}];\n};\n`;
}

/** The package's compiled files: this module is dist/components/dynamicResource.js. */
const DIST = path.resolve(__dirname, "..");

/**
 * `dagster-code-locations/internal/<path>.js` for the compiled module `file` (under `dist`), when
 * requiring that from `dir`'s node_modules (the lookup the host makes: no self-reference, since
 * its module has no file) gives `file` itself: an installed package, a symlinked one (npm link,
 * pnpm), or this repository's own link (see package.json's prepare). undefined otherwise.
 */
export function installedSpecifier(file: string, dir: string, dist = DIST): string | undefined {
  const relative = path.relative(dist, file);
  if (relative.startsWith("..") || path.isAbsolute(relative) || !relative.endsWith(".js")) return undefined;
  const specifier = `${PACKAGE}/internal/${relative.split(path.sep).join("/")}`;
  try {
    // A require from inside dir/node_modules looks up dir/node_modules and its parents', and never
    // resolves a package by its own name: the same lookup as a module without a file in dir.
    return createRequire(path.join(dir, "node_modules", "_")).resolve(specifier) === file ? specifier : undefined;
  } catch {
    return undefined;
  }
}

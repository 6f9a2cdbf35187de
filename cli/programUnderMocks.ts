import * as pulumi from "@pulumi/pulumi";
import { isUserError, UserError } from "../lib/shared/errors";

/** A resource the program registered, with its inputs as the engine would receive them. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The provider reference (`<urn>::<id>`), when the resource names one. */
  readonly provider: string | undefined;
  /** Paths of inputs sent to the engine as secrets (`buildArgs.TOKEN`, `login`). */
  readonly secretPaths: readonly string[];
  /** The resource's URN, which spells out its parents' types: `...::Parent$Child::name`. */
  urn?: string;
}

/** The marker Pulumi's wire format puts on a secret value. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface MockRunOptions {
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys: readonly string[];
  /** The directory the program runs in, as `pulumi up` runs it in the project directory. */
  readonly cwd: string;
  /** Loads the program (for example `() => require("../index")`), after the mocks are in place. */
  readonly load: () => unknown;
  /**
   * Output properties a real provider would compute (a digest, an allocated tag), by resource
   * type; every resource otherwise echoes its inputs.
   */
  readonly computed?: Readonly<Record<string, (inputs: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>>>;
  /** Answers to provider functions (invokes), by token. */
  readonly calls?: Readonly<Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>>;
}

export interface MockRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

/** The one resource of `type` the program registered; anything else is the program's bug. */
export function onlyResource(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, the program registered ${found.length}`);
  return found[0] as RecordedResource;
}

/**
 * Runs a Pulumi program under Pulumi's mock runtime: every resource is recorded and echoed back as
 * its own state, nothing is contacted. Runs once per process (the runtime's settings are global).
 */
export async function runProgramUnderMocks(options: MockRunOptions): Promise<MockRun> {
  // A user's mistake (bad password, registry down) thrown by a computed output reaches the program
  // only as "failed to register new resource", wrapped in serialization errors: keep the original.
  const userErrors: UserError[] = [];
  const remember = <T>(work: () => T): T => {
    try {
      const result = work();
      return result instanceof Promise ? (result.catch((err: unknown) => Promise.reject(noted(err))) as T) : result;
    } catch (err) {
      throw noted(err);
    }
  };
  const noted = (err: unknown): unknown => {
    if (isUserError(err)) userErrors.push(err);
    return err;
  };
  // Rejected outputs nobody awaits would end the process with a trace: they are reported below.
  const unhandled: unknown[] = [];
  let fail: (reason: unknown) => void = () => undefined;
  // An export whose output rejected never settles: the first rejection ends the wait instead.
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const onUnhandled = (reason: unknown) => {
    unhandled.push(reason);
    fail(reason);
  };
  process.on("unhandledRejection", onUnhandled);
  try {
    const run = await runRecorded(options, remember, failed);
    const failure = unhandled[0];
    if (failure !== undefined) throw failure;
    return run;
  } catch (err) {
    throw asUserFacing(err, userErrors);
  } finally {
    // Let the runtime's last rejections settle before the handler goes.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onUnhandled);
  }
}

/**
 * The error to show for a failed run: the user error behind it if there was one, a RunError's
 * message without Pulumi's "error serializing property" wrapping, else the error itself (a bug).
 */
function asUserFacing(err: unknown, userErrors: readonly UserError[]): unknown {
  const first = userErrors[0];
  if (first !== undefined) return new UserError(first.problems);
  if (err instanceof pulumi.RunError || isUserError(err)) {
    return new UserError(err.message.replace(/^(error serializing property "[^"]*": )+/, "").split("\n"));
  }
  return err;
}

async function runRecorded(options: MockRunOptions, remember: <T>(work: () => T) => T, failed: Promise<never>): Promise<MockRun> {
  const resources: RecordedResource[] = [];
  pulumi.runtime.setAllConfig(options.config, [...options.secretKeys]);
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        // A dynamic resource's serialized provider is Pulumi's business, not an input worth showing.
        const { __provider: _provider, ...inputs } = unwrapSecrets(args.inputs) as Record<string, unknown>;
        resources.push({ type: args.type, name: args.name, inputs, provider: args.provider, secretPaths: secretPaths.get(args.name) ?? [] });
        const compute = options.computed?.[args.type];
        const computed = (compute ? await remember(() => compute(inputs)) : undefined) ?? {};
        return { id: `${args.name}-id`, state: { ...inputs, ...computed } };
      },
      call: (args) => {
        const answer = options.calls?.[args.token];
        if (!answer) throw new Error(`the program called ${args.token}, which has no mock`);
        return remember(() => answer(args.inputs as Record<string, unknown>));
      },
    },
    options.project,
    options.stack,
    true,
  );
  const secretPaths = watchSecrets();
  process.chdir(options.cwd);

  const program = options.load();
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program as Record<string, unknown>)) outputs[key] = await Promise.race([settle(value), failed]);
  // Resources that wait on others (dependsOn) register after the exports settle: wait for every RPC.
  await pulumi.runtime.disconnect();
  attachUrns(resources);
  return { resources, outputs };
}

/** The value of an export; secrets stay masked. */
/** How an output the preview cannot know yet is shown (Pulumi's CLI prints `output<T>`). */
export const UNKNOWN_OUTPUT = "[unknown until the update]";

async function settle(value: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return value;
  const output = value as pulumi.Output<unknown>;
  if (await pulumi.isSecret(output)) return "[secret]";
  // A preview leaves some outputs unknown (a provider fills them in during the update); apply never
  // runs for those. `isKnown` is on every Output at run time but not in its public type.
  const known = await (output as unknown as { isKnown: Promise<boolean> }).isKnown;
  if (!known) return UNKNOWN_OUTPUT;
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** The mock monitor keeps the URN of each registration; it names the parent chain, the mock args do not. */
function attachUrns(resources: RecordedResource[]): void {
  // getRegisteredResources is the mock monitor's own method, outside the Monitor interface.
  const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources?: () => Map<string, unknown> };
  const urns = [...(monitor.getRegisteredResources?.().keys() ?? [])];
  for (const resource of resources) {
    resource.urn = urns.find((urn) => urn.endsWith(`::${resource.name}`) && urn.split("::")[2]?.split("$").pop() === resource.type);
  }
}

/**
 * The mock hands resources their inputs with secrets unwrapped; the request on the wire still
 * marks them. Records, per resource name, which input paths were sent as secrets.
 */
function watchSecrets(): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  // The mock monitor's gRPC-style method; outside the typed Monitor interface.
  type Request = { getName(): string; getObject(): { toJavaScript(): unknown } };
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: Request, cb: unknown) => unknown };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    paths.set(req.getName(), secretPathsIn(req.getObject().toJavaScript()));
    return original(req, cb);
  };
  return paths;
}

/** Inputs as plain values: a secret nested in an object arrives still wrapped in its marker. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrapSecrets(item)]));
}

function secretPathsIn(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => secretPathsIn(item, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  const record = value as Record<string, unknown>;
  if (record[SIG_KEY] === SECRET_SIG) return [path];
  return Object.entries(record).flatMap(([key, item]) => secretPathsIn(item, path ? `${path}.${key}` : key));
}

import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../lib/errors";

/** A resource the program registered, with its inputs as the engine would receive them. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The provider reference (`<urn>::<id>`), when the resource names one. */
  readonly provider: string | undefined;
  /** The resource's URN, which spells out its parents' types: `...::Parent$Child::name`. */
  urn?: string;
}

export interface MockRunOptions {
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys: readonly string[];
  /** The directory the program runs in, as `pulumi up` runs it in the project directory. */
  readonly cwd: string;
  /** Loads the program (for example `() => require("../index")`), after the mocks are in place. */
  readonly load: () => unknown;
}

export interface MockRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

/**
 * Runs a Pulumi program under Pulumi's mock runtime: every resource is recorded and echoed back as
 * its own state, nothing is contacted. Runs once per process (the runtime's settings are global).
 */
export async function runProgramUnderMocks(options: MockRunOptions): Promise<MockRun> {
  const resources: RecordedResource[] = [];
  pulumi.runtime.setAllConfig(options.config, [...options.secretKeys]);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, provider: args.provider });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => {
        throw new Error(`the program called ${args.token}, which has no mock`);
      },
    },
    options.project,
    options.stack,
    true,
  );
  process.chdir(options.cwd);

  let program: unknown;
  try {
    program = options.load();
  } catch (err) {
    if (err instanceof pulumi.RunError) throw new UserError(err.message.split("\n"));
    throw err;
  }
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program as Record<string, unknown>)) outputs[key] = await settle(value);
  attachUrns(resources);
  return { resources, outputs };
}

/** The value of an export; secrets stay masked. */
async function settle(value: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return value;
  const output = value as pulumi.Output<unknown>;
  if (await pulumi.isSecret(output)) return "[secret]";
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

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UserError } from "../../lib/shared/errors";
import type { Credentials } from "../../lib/registry/auth";
import { RegistryClient } from "../../lib/registry/client";
import { checkDagsterVersion, nextVersion } from "../../lib/registry/nextTag";
import { parseCommandArgs } from "../args";
import * as usage from "../usage";
import type { Command, CommandIo } from "../io";

/**
 * Prints the tag the next image of REPO gets: `<dagster-version>-<n>`, one more than the largest
 * such tag in the registry. Prints only the tag, so scripts can use `$(npm run -s next-tag -- ...)`.
 */
export const nextTag: Command = async (args, io) => {
  const { values } = parseCommandArgs(usage.nextTag, args, io.env);
  const problems: string[] = [];
  if (values.username !== undefined && !values["password-stdin"]) {
    problems.push("next-tag: --username needs --password-stdin (pipe the password in; it never goes on the command line)");
  }
  if (values["password-stdin"] && values.username === undefined) problems.push("next-tag: --password-stdin needs --username");
  const timeout = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!(Number.isFinite(timeout) && timeout > 0 && timeout <= 3600)) {
    problems.push(`next-tag: --timeout: expected seconds above 0 and at most 3600 for all registry requests, got ${JSON.stringify(values.timeout)}`);
  }
  if (problems.length > 0) throw new UserError(problems);

  const client = new RegistryClient({
    registry: values.registry,
    credentials: await readCredentials(values.username, io),
    ca: values["ca-file"] === undefined ? undefined : await readCaFile(values["ca-file"], io.cwd),
    budgetMs: Math.max(1, Math.round(timeout * 1000)),
  });
  const dagsterVersion = values["dagster-version"];
  checkDagsterVersion(dagsterVersion); // before asking the registry anything
  const tags = await client.listTags(values.repository);
  io.stdout(`${nextVersion(tags, dagsterVersion)}\n`);
  return 0;
};

async function readCredentials(username: string | undefined, io: CommandIo): Promise<Credentials> {
  if (username === undefined) return { kind: "anonymous" };
  // Like docker login --password-stdin: the trailing newline of `echo` is not part of the password.
  const password = (await io.readStdin()).replace(/\r?\n$/, "");
  if (password === "") throw new UserError("next-tag: --password-stdin read an empty password from standard input");
  return { kind: "basic", username, password };
}

async function readCaFile(path: string, cwd: string): Promise<Buffer> {
  try {
    return await readFile(resolve(cwd, path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new UserError(`next-tag: cannot read --ca-file ${path} (${code}): give the path of the registry's CA certificate (PEM)`);
  }
}

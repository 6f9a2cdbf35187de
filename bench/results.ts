/**
 * The results block of docs/performance.md: a machine header, then one "### N. ..." section per
 * benchmark. A run of some benchmarks (`--only`) replaces only their sections, each then saying
 * when and where it was measured, so that one benchmark's figures can be refreshed without
 * re-running (or overwriting with older code's figures) the others.
 */

/** `sections` (each starting with "### N.") into `block`: the whole block when `all`. */
export function mergeResults(block: string | undefined, header: string, sections: readonly string[], all: boolean): string {
  if (all || block === undefined) return [header, ...sections].join("\n\n");
  const [oldHeader = header, ...old] = splitSections(block);
  const merged = new Map(old.map((s) => [sectionNumber(s), s]));
  for (const s of sections) {
    const [heading, ...rest] = s.split("\n");
    merged.set(sectionNumber(s), [heading, "", `This section alone: ${header.replace(/^Measured /, "measured ")}`, ...rest].join("\n"));
  }
  return [oldHeader, ...[...merged.entries()].sort(([a], [b]) => a - b).map(([, s]) => s)].join("\n\n");
}

function splitSections(block: string): string[] {
  return block.split(/\n+(?=### \d+\.)/).map((s) => s.trim());
}

function sectionNumber(section: string): number {
  const match = /^### (\d+)\./.exec(section);
  if (!match) throw new Error(`not a results section: ${section.slice(0, 40)}`);
  return Number(match[1]);
}

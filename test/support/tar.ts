import { gzipSync } from "node:zlib";

/** One entry of a hand-made tar archive: any path, even one no real tool would write. */
export interface TarEntry {
  readonly name: string;
  readonly content?: string | Buffer;
  /** @default "file" */
  readonly type?: "file" | "dir" | "symlink";
  /** The target of a symlink. */
  readonly linkname?: string;
}

const TYPE_FLAG = { file: "0", dir: "5", symlink: "2" } as const;

/** A ustar archive written byte by byte, so tests can build archives that tar tools would refuse to. */
export function tarEntries(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? "");
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "utf8");
    const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0");
    const type = entry.type ?? "file";
    field(0, 100, entry.name);
    field(100, 8, octal(type === "dir" ? 0o755 : 0o644, 8));
    field(108, 8, octal(0, 8));
    field(116, 8, octal(0, 8));
    field(124, 12, octal(type === "file" ? content.length : 0, 12));
    field(136, 12, octal(0, 12));
    field(148, 8, "        "); // checksum counts as spaces while it is computed
    field(156, 1, TYPE_FLAG[type]);
    if (entry.linkname) field(157, 100, entry.linkname);
    field(257, 6, "ustar");
    field(263, 2, "00");
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${octal(sum, 7)} `);
    parts.push(header);
    if (type === "file") {
      const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
      content.copy(padded);
      parts.push(padded);
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function tgzEntries(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tarEntries(entries), { level: 9 });
}

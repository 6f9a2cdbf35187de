import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

export interface Blob {
  readonly digest: string;
  readonly bytes: Buffer;
}

export interface TinyImage {
  readonly layer: Blob;
  readonly config: Blob;
  readonly manifest: Blob;
  readonly manifestMediaType: string;
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

function blob(bytes: Buffer): Blob {
  return { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, bytes };
}

/** A one-file ustar archive, enough for a real image layer. */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "ascii");
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0");
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, "        "); // checksum counts as spaces while it is computed
  field(156, 1, "0");
  field(257, 6, "ustar");
  field(263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${octal(sum, 7)} `);
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

/** One tiny OCI image (a layer with /hello.txt), built in memory the same way every time. */
export function tinyImage(text = "seeded by the registry tests\n"): TinyImage {
  const tar = tarOneFile("hello.txt", Buffer.from(text));
  const layer = blob(gzipSync(tar, { level: 9 }));
  const diffId = `sha256:${createHash("sha256").update(tar).digest("hex")}`;
  const config = blob(
    Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["/hello.txt"] }, rootfs: { type: "layers", diff_ids: [diffId] } })),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config.digest, size: config.bytes.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer.digest, size: layer.bytes.length }],
      }),
    ),
  );
  return { layer, config, manifest, manifestMediaType: OCI_MANIFEST };
}

import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { tarEntries } from "./tar";

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

export function blobOf(bytes: Buffer): Blob {
  return { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, bytes };
}

/** One tiny OCI image (a layer with /hello.txt), built in memory the same way every time. */
export function tinyImage(text = "seeded by the registry tests\n"): TinyImage {
  const tar = tarEntries([{ name: "hello.txt", content: text }]);
  const layer = blobOf(gzipSync(tar, { level: 9 }));
  const diffId = `sha256:${createHash("sha256").update(tar).digest("hex")}`;
  const config = blobOf(
    Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["/hello.txt"] }, rootfs: { type: "layers", diff_ids: [diffId] } })),
  );
  const manifest = blobOf(
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

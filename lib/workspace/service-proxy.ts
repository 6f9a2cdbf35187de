/**
 * HTTP to a Service through the Kubernetes API server's service proxy
 * (`/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/<path>`): the kube context's own
 * credentials reach the Dagster webserver, so no port-forward, ingress or extra token is needed.
 */
import * as http from "node:http";
import * as https from "node:https";
import type * as k8s from "@kubernetes/client-node";

export interface ServiceRef {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
}

/** The service could not be reached or answered with an error status; `reason` says why. */
export class ServiceUnreachable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "ServiceUnreachable";
  }
}

export function serviceProxyPath(ref: ServiceRef, path: string): string {
  const service = `${encodeURIComponent(ref.service)}:${ref.port}`;
  return `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/services/${service}/proxy/${path.replace(/^\/+/, "")}`;
}

/** POSTs a JSON body; resolves with the response's status and text, rejects with ServiceUnreachable. */
export async function postJson(
  kc: k8s.KubeConfig,
  ref: ServiceRef,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new ServiceUnreachable(`kube context ${kc.getCurrentContext()} has no cluster server`);
  const url = new URL(server.replace(/\/+$/, "") + serviceProxyPath(ref, path));
  const payload = JSON.stringify(body);
  const options: https.RequestOptions = {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "content-length": Buffer.byteLength(payload) },
  };
  // Adds the context's CA, client certificate or token, exactly as the API client uses them.
  await kc.applyToHTTPSOptions(options);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { ...options, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (err) => reject(new ServiceUnreachable(err.message)));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on("error", (err) => reject(new ServiceUnreachable(`${url.host}: ${err.message}`)));
    req.end(payload);
  });
}

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. "/v2/app/tags/list?n=1000". */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer | object;
}

/** What to answer; `undefined` means never answer (to test timeouts). */
export type FakeHandler = (req: RecordedRequest, origin: string) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;

export interface FakeServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** `127.0.0.1:PORT`, the registry address without scheme. */
  readonly host: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A small HTTP server on 127.0.0.1 standing in for registry features distribution 2.8 lacks. */
export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let origin = "";
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    requests.push(recorded);
    const answer = await handler(recorded, origin);
    if (answer === undefined) return; // hang: the client's timeout must end it
    const raw = answer.body;
    const body = raw === undefined ? "" : typeof raw === "string" || Buffer.isBuffer(raw) ? raw : JSON.stringify(raw);
    const type = typeof raw === "object" && !Buffer.isBuffer(raw) ? { "Content-Type": "application/json" } : {};
    res.writeHead(answer.status, { ...type, ...answer.headers });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A registry error body as distribution sends it. */
export function registryError(code: string, message: string): object {
  return { errors: [{ code, message, detail: {} }] };
}

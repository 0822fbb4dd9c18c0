/** A small node:http client giving tests full control over headers, length and chunking. */
import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RequestInit {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Send the body in these pieces (chunked transfer unless a Content-Length header is given). */
  chunks?: Array<string | Buffer>;
  agent?: Agent | false;
  /** Called after the headers are sent, before the body: lets a test act while a request is in flight. */
  beforeBody?: () => Promise<void>;
}

/** Sends one request and reads the whole answer. */
export function send(url: string, path: string, init: RequestInit = {}): Promise<Reply> {
  const target = new URL(path, url);
  const headers: OutgoingHttpHeaders = { ...init.headers };
  if (init.body !== undefined && headers['content-length'] === undefined && headers['Content-Length'] === undefined) {
    headers['Content-Length'] = Buffer.byteLength(init.body);
  }
  return new Promise<Reply>((resolve, reject) => {
    const req = request(target, { method: init.method ?? 'POST', headers, agent: init.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const writeBody = async (): Promise<void> => {
      if (init.beforeBody) {
        req.flushHeaders();
        await init.beforeBody();
      }
      if (init.chunks) {
        for (const chunk of init.chunks) req.write(chunk);
        req.end();
      } else {
        req.end(init.body);
      }
    };
    writeBody().catch(reject);
  });
}

/** POSTs a notification body with the given headers to /qfpay/notify. */
export function postNotify(url: string, body: string | Buffer, headers: OutgoingHttpHeaders, agent?: Agent): Promise<Reply> {
  return send(url, '/qfpay/notify', { method: 'POST', headers, body, agent: agent ?? false });
}

/** GET with an optional bearer token. */
export function get(url: string, path: string, token?: string): Promise<Reply> {
  return send(url, path, { method: 'GET', headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

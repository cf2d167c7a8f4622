// `gatehouse sync --server <url> --connector <id> ...`: uploads a c1z file to a running server, as a
// connector would, with a client id and secret (a connector credential from RotateCredential, or any
// client allowed to upload): a token from /auth/v1/token, then POST .../connectors/{id}/sync. Runs in
// the CLI's own process and opens no database (main.ts takes no data-dir lock for it).
import { readFile } from 'node:fs/promises';
import { ApiError, Code, type CodeValue, invalidArgument, unauthenticated } from '../lib/errors.ts';
import { cliPath } from './context.ts';

export type RemoteSync = {
  server: string;
  app: string;
  connector: string;
  clientId?: string;
  clientSecret?: string;
  file: string;
};

async function answer(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { message: text.slice(0, 500) };
  }
}

/** The server's error as the CLI reports it: its message and gRPC code (exit 2). */
function failed(what: string, status: number, body: Record<string, unknown>): ApiError {
  const code = typeof body.code === 'number' ? (body.code as CodeValue) : Code.INTERNAL;
  const message = typeof body.message === 'string' ? body.message : JSON.stringify(body);
  return new ApiError(code, `${what}: HTTP ${status}: ${message}`);
}

/** Uploads the file; answers the server's reply (the connector and the sync's counts). */
export async function remoteSync(o: RemoteSync): Promise<unknown> {
  if (!o.clientId || !o.clientSecret) {
    throw invalidArgument(
      '--client-id and --client-secret (or GATEHOUSE_CLIENT_ID, GATEHOUSE_CLIENT_SECRET) are required with --server',
    );
  }
  let base: URL;
  try {
    base = new URL(o.server);
  } catch {
    throw invalidArgument(`--server: "${o.server}" is not a URL`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(cliPath(o.file));
  } catch (err) {
    throw invalidArgument(`${o.file}: cannot read the file (${(err as { code?: string }).code ?? err})`);
  }
  const tokenRes = await fetch(new URL('/auth/v1/token', base), {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret }),
  });
  const token = await answer(tokenRes);
  if (tokenRes.status !== 200 || typeof token.access_token !== 'string') {
    throw unauthenticated(`the server refused the client credentials (HTTP ${tokenRes.status})`);
  }
  const path = `/api/v1/apps/${encodeURIComponent(o.app)}/connectors/${encodeURIComponent(o.connector)}/sync`;
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  const body = await answer(res);
  if (res.status !== 200) throw failed(`${o.file} not applied`, res.status, body);
  return body;
}

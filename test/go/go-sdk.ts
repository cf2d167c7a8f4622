// What C1's Go SDK (and so `cone` and the Terraform provider) does with a client id,
// redone here so the tests hold every id Gatehouse issues to it. Written from the
// SDK's behaviour, not from Gatehouse's code: the server is `https://<host>` of
// `<id>@<host>/<use-case>`; a host without a dot that is no IP address is read as a C1
// tenant name (`https://<host>.conductor.one`, which fails for `localhost:8080`
// with `invalid port ":8080.conductor.one" after host`); the client assertion's `aud`
// is the host without its port.
import { isIP } from 'node:net';

export type GoSdkView = {
  /** `host[:port]` from the client id. */
  host: string;
  serverUrl: string;
  tokenUrl: string;
  /** The assertion audience: the host name without port. */
  aud: string;
};

export function goSdkView(clientId: string): GoSdkView {
  const m = /^([^@/\s]+)@([^/@\s]+)\/([a-z]+)$/.exec(clientId);
  if (!m) throw new Error(`Go SDK: ${clientId} is not a client id (<id>@<host>/<use-case>)`);
  const host = m[2];
  const bracketed = /^\[([0-9a-f:.]+)\](:\d+)?$/i.exec(host);
  const name = bracketed ? bracketed[1] : host.replace(/:\d+$/, '');
  if (!name.includes('.') && isIP(name) === 0) {
    throw new Error(
      `Go SDK: "${host}" has no dot and is no IP address, so it is read as a C1 tenant: https://${host}.conductor.one`,
    );
  }
  const port = bracketed ? bracketed[2] : /:\d+$/.exec(host)?.[0];
  if (port !== undefined && !/^:\d{1,5}$/.test(port)) throw new Error(`Go SDK: bad port in ${host}`);
  return { host, serverUrl: `https://${host}`, tokenUrl: `https://${host}/auth/v1/token`, aud: name };
}

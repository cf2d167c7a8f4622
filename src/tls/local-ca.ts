// Local TLS in one step: a certificate authority and a server certificate it signs,
// kept in `<data dir>/tls/`. Go-based C1 tools only speak https and trust what
// SSL_CERT_FILE names, so trusting the CA's certificate is all a user does; the
// server certificate can then be reissued (new host names, near expiry) without
// anyone trusting anything again. Keys are ECDSA P-256 made by WebCrypto and the
// certificates are built by @peculiar/x509 (no hand-made ASN.1). Private keys are
// written mode 0600 in a 0700 directory and never printed.
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
/** Browsers and Apple refuse server certificates valid longer than 825 days. */
const SERVER_DAYS = 825;
/** `serve` reissues the server certificate when it has less left than this. */
const RENEW_DAYS = 30;

export type LocalTlsFiles = { dir: string; caCert: string; caKey: string; cert: string; key: string };

export type LocalTlsResult = {
  files: LocalTlsFiles;
  /** Host names and addresses the server certificate is valid for. */
  hosts: string[];
  /** What was written: nothing, the server certificate only, or the CA as well. */
  wrote: 'nothing' | 'server' | 'all';
  /** Names asked for that the existing certificate lacks (only when nothing was written). */
  missing: string[];
};

export function localTlsFiles(dataDir: string): LocalTlsFiles {
  const dir = path.join(dataDir, 'tls');
  return {
    dir,
    caCert: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server-key.pem'),
  };
}

/** The names a server certificate for `host` covers: the host, 127.0.0.1, localhost and ::1. */
export function serverNames(hosts: string[]): string[] {
  return [...new Set([...hosts.map((h) => h.toLowerCase()), '127.0.0.1', 'localhost', '::1'])];
}

export type EnsureOptions = {
  /** Make a new CA and server certificate even if they exist. */
  force?: boolean;
  /** Reissue the server certificate (same CA) when it lacks a name or is near expiry; `tls init` leaves it. */
  renew?: boolean;
};

/** Creates what is missing; an existing, complete setup is left as it is unless `force` (or `renew` finds it stale). */
export async function ensureLocalTls(dataDir: string, hosts: string[], opts: EnsureOptions = {}): Promise<LocalTlsResult> {
  const files = localTlsFiles(dataDir);
  const names = serverNames(hosts);
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(files.dir, 0o700);
  const has = (f: string) => fs.existsSync(f);
  const caComplete = has(files.caCert) && has(files.caKey);
  if (!opts.force && (has(files.caCert) || has(files.caKey)) && !caComplete) {
    throw new Error(`${files.dir} holds only half of the local CA (certificate or key); run \`gatehouse tls init --force\``);
  }
  if (opts.force || !caComplete) {
    const ca = await makeCa();
    const server = await makeServer(ca, names);
    writeSecret(files.caKey, ca.keyPem);
    writeFile(files.caCert, ca.certPem);
    writeSecret(files.key, server.keyPem);
    writeFile(files.cert, server.certPem);
    return { files, hosts: names, wrote: 'all', missing: [] };
  }
  for (const f of [files.caKey, files.key]) if (has(f)) fs.chmodSync(f, 0o600);
  const current = has(files.cert) && has(files.key) ? new x509.X509Certificate(fs.readFileSync(files.cert, 'utf8')) : undefined;
  const missing = current ? names.filter((n) => !certNames(current).includes(n)) : names;
  const stale = !current || current.notAfter.getTime() - Date.now() < RENEW_DAYS * DAY_MS;
  if (current && !(opts.renew && (missing.length > 0 || stale))) {
    return { files, hosts: certNames(current), wrote: 'nothing', missing };
  }
  const ca = await loadCa(files);
  // Keep the names the old certificate had: other clients may use them.
  const all = [...new Set([...names, ...(current ? certNames(current) : [])])];
  const server = await makeServer(ca, all);
  writeSecret(files.key, server.keyPem);
  writeFile(files.cert, server.certPem);
  return { files, hosts: all, wrote: 'server', missing: [] };
}

/** DNS names and IP addresses of a certificate's subjectAltName. */
export function certNames(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).map((n) => n.value.toLowerCase());
}

type Ca = { cert: x509.X509Certificate; keys: CryptoKeyPair; certPem: string; keyPem: string };

async function makeCa(): Promise<Ca> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Gatehouse local CA (${os.hostname()}) ${new Date(now).toISOString().slice(0, 10)}, O=Gatehouse`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_DAYS * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: cert.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey) };
}

async function loadCa(files: LocalTlsFiles): Promise<Ca> {
  const certPem = fs.readFileSync(files.caCert, 'utf8');
  const keyPem = fs.readFileSync(files.caKey, 'utf8');
  const cert = new x509.X509Certificate(certPem);
  const der = x509.PemConverter.decodeFirst(keyPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
  const publicKey = await cert.publicKey.export(ALG, ['verify'], webcrypto as Crypto);
  return { cert, keys: { privateKey, publicKey }, certPem, keyPem };
}

async function makeServer(ca: Ca, names: string[]): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const dnsOrIp = names.map((n) => ({ type: /^[0-9.]+$|:/.test(n) ? ('ip' as const) : ('dns' as const), value: n }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0]}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + SERVER_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsOrIp),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  // The chain (server, then CA) lets clients that were given only the CA build the path.
  return { certPem: `${cert.toString('pem')}\n${ca.certPem.trim()}\n`, keyPem: await pkcs8Pem(keys.privateKey) };
}

const serial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY')}\n`;
}

/** Written beside the target, then renamed: a reader never sees half a file, and the mode is set before any content. */
function writeSecret(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, file);
}

function writeFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

// Client credentials in an HTTP Basic header, for the token endpoint
// ("client_secret_basic", RFC 6749 §2.3.1): base64 of
// urlencode(client_id) ":" urlencode(client_secret).
// Many clients skip the URL-encoding (Swagger UI's Authorize dialog does), and a
// Gatehouse client id holds a ":" when it has a port (`x@host:8080/pcc`). Every
// Gatehouse secret starts with `secret-token:`, so the ":" before that is the
// separator when it is there; otherwise the first ":" is, as the RFC has it.
export type BasicCredentials = { clientId: string; clientSecret: string };

const BASIC = /^Basic(?:\s+(.*))?$/is;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SECRET_PREFIX = 'secret-token:';

/** undefined when the header is absent or not Basic; null when it is Basic but unreadable. */
export function basicCredentials(header: string | undefined): BasicCredentials | null | undefined {
  const m = typeof header === 'string' ? BASIC.exec(header.trim()) : null;
  if (!m) return undefined;
  const encoded = (m[1] ?? '').trim();
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return null;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  if (text.includes('\uFFFD')) return null;
  const unencoded = text.indexOf(`:${SECRET_PREFIX}`);
  const at = unencoded >= 0 ? unencoded : text.indexOf(':');
  if (at <= 0 || at === text.length - 1) return null;
  try {
    // decodeURIComponent, not form decoding: an unencoded secret may hold "+".
    return { clientId: decodeURIComponent(text.slice(0, at)), clientSecret: decodeURIComponent(text.slice(at + 1)) };
  } catch {
    return null;
  }
}

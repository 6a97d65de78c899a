// Client certificates: the exporter-toolkit's client_auth_type policies OpenSSL does not enforce itself, and
// client_allowed_sans (subject alternative names read from Node's certificate text).
import type * as tls from 'node:tls';
import type { TlsSettings } from './web-config.js';

/**
 * Whether a TLS client passed the policies OpenSSL does not enforce by itself: RequireAnyClientCert (a
 * certificate, verified or not), VerifyClientCertIfGiven (none, or a verified one) and client_allowed_sans.
 */
export function clientAllowed(settings: TlsSettings, socket: tls.TLSSocket): boolean {
  const peer = socket.getPeerCertificate();
  const hasCert = peer !== null && typeof peer === 'object' && Object.keys(peer).length > 0;
  switch (settings.clientAuth) {
    case 'RequireAnyClientCert':
      if (!hasCert) return false;
      break;
    case 'VerifyClientCertIfGiven':
      if (hasCert && !socket.authorized) return false;
      break;
    case 'RequireAndVerifyClientCert':
      if (!hasCert || !socket.authorized) return false;
      break;
    default:
      break;
  }
  if (settings.allowedSans) {
    const sans = subjectAltNames(hasCert ? peer.subjectaltname : undefined);
    if (!sans.some((san) => settings.allowedSans?.includes(san))) return false;
  }
  return true;
}

/**
 * The values of Node's subjectaltname string: "DNS:a.example, IP Address:10.0.0.1, email:x@y, URI:spiffe://x"
 * (values with special characters are JSON-quoted since Node 17).
 */
export function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  const entry =
    /(DNS|IP Address|email|URI|othername|DirName|Registered ID):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  let at = 0;
  while (at < text.length) {
    entry.lastIndex = at;
    const match = entry.exec(text);
    if (!match) break;
    const raw = match[2] as string;
    out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    at = entry.lastIndex;
  }
  return out;
}

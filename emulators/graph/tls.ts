// TLS material for the emulator: a self-signed CA and a localhost/127.0.0.1 server certificate
// signed by it. RSA key generation in pure JS (node-forge) is slow, so the pair is cached under
// the OS temp dir; nothing in it is secret outside this machine's tests. The CA PEM is written
// to its own file (caCertPath) for clients: the Graph client trusts it through an undici Agent
// passed as `fetchOptions.dispatcher` (see index.ts header).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export interface TlsMaterial { caCert: string; caCertPath: string; cert: string; key: string }

const CACHE_VERSION = 'v1';

function toForgeKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  // node:crypto generates RSA keys natively (fast); forge only signs the certificates.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const fk = forge.pki.privateKeyFromPem(pem);
  return { privateKey: fk, publicKey: forge.pki.setRsaPublicKey(fk.n, fk.e) };
}

function serial(): string {
  return '01' + createHash('sha1').update(String(Math.random()) + Date.now()).digest('hex').slice(0, 16);
}

function generate(): Omit<TlsMaterial, 'caCertPath'> {
  const ca = toForgeKeys();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serial();
  caCert.validity.notBefore = new Date(Date.now() - 86_400_000);
  caCert.validity.notAfter = new Date(Date.now() + 5 * 365 * 86_400_000);
  const caAttrs = [{ name: 'commonName', value: 'SmartCloud Connect Graph Emulator CA' }];
  caCert.setSubject(caAttrs);
  caCert.setIssuer(caAttrs);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const srv = toForgeKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = srv.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 365 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caAttrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());
  return {
    caCert: forge.pki.certificateToPem(caCert),
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(srv.privateKey),
  };
}

/** Loads the cached CA + server pair, generating it on first use (or when near expiry). */
export function loadTls(dir = join(tmpdir(), 'scc-graph-emulator-tls-' + CACHE_VERSION)): TlsMaterial {
  const file = join(dir, 'tls.json');
  const caCertPath = join(dir, 'ca.pem');
  if (existsSync(file) && existsSync(caCertPath)) {
    try {
      const cached = JSON.parse(readFileSync(file, 'utf8')) as Omit<TlsMaterial, 'caCertPath'>;
      const notAfter = forge.pki.certificateFromPem(cached.cert).validity.notAfter.getTime();
      if (notAfter > Date.now() + 7 * 86_400_000) return { ...cached, caCertPath };
    } catch {
      // a corrupt cache is regenerated below
    }
  }
  mkdirSync(dir, { recursive: true });
  const material = generate();
  // write-then-rename so parallel test workers never read half a file
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(material));
  const tmpCa = `${caCertPath}.${process.pid}.tmp`;
  writeFileSync(tmpCa, material.caCert);
  if (!existsSync(file) || !existsSync(caCertPath)) {
    renameSync(tmp, file);
    renameSync(tmpCa, caCertPath);
  } else {
    // another process won the race: use its pair so the CA file and the server key agree
    const cached = JSON.parse(readFileSync(file, 'utf8')) as Omit<TlsMaterial, 'caCertPath'>;
    return { ...cached, caCertPath };
  }
  return { ...material, caCertPath };
}

// TLS material for the emulator: a self-signed CA and a localhost/127.0.0.1 server certificate
// signed by it. RSA key generation in pure JS (node-forge) is slow, so the pair is cached under
// the OS temp dir; nothing in it is secret outside this machine's tests. The CA PEM is written
// to its own file (caCertPath) for clients: the Graph client trusts it through an undici Agent
// passed as `fetchOptions.dispatcher` (see index.ts header).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
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

function readCache(file: string, caCertPath: string): Omit<TlsMaterial, 'caCertPath'> | undefined {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as Omit<TlsMaterial, 'caCertPath'>;
    if (readFileSync(caCertPath, 'utf8') !== cached.caCert) return undefined;
    const notAfter = forge.pki.certificateFromPem(cached.cert).validity.notAfter.getTime();
    return notAfter > Date.now() + 7 * 86_400_000 ? cached : undefined;
  } catch {
    return undefined; // missing, corrupt or half-written: regenerate
  }
}

function writeAtomic(path: string, content: string) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Loads the cached CA + server pair, generating it on first use (or near expiry). Parallel
 * processes (test forks) serialise generation on a lock file so the CA file on disk always
 * matches the certificate every emulator serves.
 */
export function loadTls(dir = join(tmpdir(), 'scc-graph-emulator-tls-' + CACHE_VERSION)): TlsMaterial {
  const file = join(dir, 'tls.json');
  const caCertPath = join(dir, 'ca.pem');
  const lock = join(dir, 'lock');
  mkdirSync(dir, { recursive: true });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const cached = readCache(file, caCertPath);
    if (cached) return { ...cached, caCertPath };
    if (Date.now() > deadline) throw new Error(`Graph emulator TLS: could not create or read ${file}`);
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // another process is generating; a lock older than a minute belongs to a dead one
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) unlinkSync(lock);
      } catch {
        // the lock vanished meanwhile: retry
      }
      Atomics.wait(pause, 0, 0, 50);
      continue;
    }
    try {
      if (!readCache(file, caCertPath)) {
        const material = generate();
        // the CA file first: once tls.json exists, ca.pem already matches it
        writeAtomic(caCertPath, material.caCert);
        writeAtomic(file, JSON.stringify(material));
      }
    } finally {
      closeSync(fd);
      unlinkSync(lock);
    }
  }
}

// Login endpoints: OAuth 2.0 token (password, client_credentials, refresh_token, JWT bearer with
// an RS256 signature checked against the configured certificate) and the SOAP `login` call
// jsforce uses for conn.login() without OAuth settings.
import { X509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Sessions } from './sessions.ts';

export interface UserDirectory {
  byUsername(username: string): { id: string; password: string; active: boolean } | undefined;
  defaultIntegrationUser(): string;
}

export interface LoginConfig {
  orgId: string;
  clientId: string;
  clientSecret: string;
  apiVersion: string;
  baseUrl: () => string;
  clock: () => number;
  sessions: Sessions;
  users: UserDirectory;
  jwtKey: () => KeyObject | undefined;
}

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

const oauthError = (status: number, error: string, description: string): TokenReply => ({ status, body: { error, error_description: description } });

export function publicKeyFrom(pem: string): KeyObject {
  if (pem.includes('BEGIN CERTIFICATE')) return new X509Certificate(pem).publicKey;
  return createPublicKey(pem);
}

function tokenBody(cfg: LoginConfig, userId: string, token: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const issued = String(cfg.clock());
  return {
    access_token: token,
    ...extra,
    signature: Buffer.from(`${userId}:${issued}`).toString('base64'),
    scope: 'api refresh_token',
    instance_url: cfg.baseUrl(),
    id: `${cfg.baseUrl()}/id/${cfg.orgId}/${userId}`,
    token_type: 'Bearer',
    issued_at: issued,
  };
}

export function oauthToken(cfg: LoginConfig, form: URLSearchParams): TokenReply {
  const grant = form.get('grant_type');
  const clientOk = (): TokenReply | undefined => {
    if (form.get('client_id') !== cfg.clientId) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== null && form.get('client_secret') !== cfg.clientSecret) return oauthError(400, 'invalid_client', 'invalid client credentials');
    return undefined;
  };
  switch (grant) {
    case 'password': {
      const bad = clientOk();
      if (bad) return bad;
      if (form.get('client_secret') === null) return oauthError(400, 'invalid_client', 'invalid client credentials');
      const user = cfg.users.byUsername(form.get('username') ?? '');
      if (!user || !user.active || user.password !== form.get('password')) return oauthError(400, 'invalid_grant', 'authentication failure');
      const s = cfg.sessions.issue(user.id, cfg.clientId);
      return { status: 200, body: tokenBody(cfg, user.id, s.token) };
    }
    case 'client_credentials': {
      const bad = clientOk();
      if (bad) return bad;
      if (form.get('client_secret') === null) return oauthError(400, 'invalid_client', 'invalid client credentials');
      const userId = cfg.users.defaultIntegrationUser();
      const s = cfg.sessions.issue(userId, cfg.clientId);
      return { status: 200, body: tokenBody(cfg, userId, s.token) };
    }
    case 'refresh_token': {
      if (form.get('client_id') !== cfg.clientId) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
      const grantInfo = cfg.sessions.redeemRefreshToken(form.get('refresh_token') ?? '');
      if (!grantInfo) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
      const s = cfg.sessions.issue(grantInfo.userId, cfg.clientId);
      return { status: 200, body: tokenBody(cfg, grantInfo.userId, s.token) };
    }
    case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
      return jwtBearer(cfg, form.get('assertion') ?? '');
    case 'authorization_code':
      return oauthError(400, 'invalid_grant', 'invalid authorization code');
    default:
      return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  }
}

function jwtBearer(cfg: LoginConfig, assertion: string): TokenReply {
  const parts = assertion.split('.');
  if (parts.length !== 3) return oauthError(400, 'invalid_grant', 'invalid assertion');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return oauthError(400, 'invalid_grant', 'invalid assertion');
  }
  if (header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'invalid assertion: algorithm must be RS256');
  const key = cfg.jwtKey();
  if (!key) return oauthError(400, 'invalid_grant', 'invalid assertion: no certificate configured for the connected app');
  const signed = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
  if (!signed) return oauthError(400, 'invalid_grant', 'invalid assertion: signature is invalid');
  if (claims.iss !== cfg.clientId) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
  const aud = String(claims.aud ?? '');
  const audOk = [cfg.baseUrl(), 'https://login.salesforce.com', 'https://test.salesforce.com'].some((a) => aud.replace(/\/$/, '') === a);
  if (!audOk) return oauthError(400, 'invalid_grant', 'audience is invalid');
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < cfg.clock()) return oauthError(400, 'invalid_grant', 'expired authorization code');
  const user = cfg.users.byUsername(String(claims.sub ?? ''));
  if (!user || !user.active) return oauthError(400, 'invalid_grant', 'user hasn\'t approved this consumer');
  const s = cfg.sessions.issue(user.id, cfg.clientId);
  return { status: 200, body: tokenBody(cfg, user.id, s.token) };
}

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${tag}>([\\s\\S]*?)</(?:\\w+:)?${tag}>`).exec(xml);
  return m?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function soapLogin(cfg: LoginConfig, xml: string, version: string): { status: number; body: string } {
  const username = xmlText(xml, 'username') ?? '';
  const password = xmlText(xml, 'password') ?? '';
  const user = cfg.users.byUsername(username);
  const envelope = (inner: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
  if (!/<(?:\w+:)?login[\s>]/.test(xml)) {
    return { status: 500, body: envelope('<soapenv:Fault><faultcode>sf:UNKNOWN_EXCEPTION</faultcode><faultstring>UNKNOWN_EXCEPTION: only the login call is emulated on the SOAP API</faultstring></soapenv:Fault>') };
  }
  if (!user || !user.active || user.password !== password) {
    return { status: 500, body: envelope('<soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring></soapenv:Fault>') };
  }
  const s = cfg.sessions.issue(user.id);
  const base = cfg.baseUrl();
  return {
    status: 200,
    body: envelope(`<loginResponse><result><metadataServerUrl>${base}/services/Soap/m/${version}/${cfg.orgId.slice(0, 15)}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>${base}/services/Soap/u/${version}/${cfg.orgId.slice(0, 15)}</serverUrl><sessionId>${esc(s.token)}</sessionId><userId>${user.id}</userId><userInfo><organizationId>${cfg.orgId}</organizationId><userId>${user.id}</userId><userName>${esc(username)}</userName></userInfo></result></loginResponse>`),
  };
}

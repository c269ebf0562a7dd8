// OAuth sessions and refresh tokens on the emulator's clock. Sessions time out after a period
// without use, like Salesforce's session timeout; an expired token gets 401 INVALID_SESSION_ID.
import { randomBytes } from 'node:crypto';

export interface Session {
  token: string;
  userId: string;
  clientId?: string;
  issuedAt: number;
  lastUsed: number;
}

export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, { userId: string; clientId: string }>();

  constructor(
    private readonly clock: () => number,
    public ttlMs: number,
    private readonly orgId: string,
  ) {}

  issue(userId: string, clientId?: string): Session {
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(36).toString('base64url')}`;
    const now = this.clock();
    const session: Session = { token, userId, clientId, issuedAt: now, lastUsed: now };
    this.byToken.set(token, session);
    return session;
  }

  issueRefreshToken(userId: string, clientId: string): string {
    const token = `5Aep${randomBytes(40).toString('base64url')}`;
    this.refreshTokens.set(token, { userId, clientId });
    return token;
  }

  redeemRefreshToken(token: string): { userId: string; clientId: string } | undefined {
    return this.refreshTokens.get(token);
  }

  /** The live session for a token, touching its idle timer; undefined when unknown or expired. */
  validate(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const session = this.byToken.get(token);
    if (!session) return undefined;
    const now = this.clock();
    if (now - session.lastUsed > this.ttlMs) {
      this.byToken.delete(token);
      return undefined;
    }
    session.lastUsed = now;
    return session;
  }

  revoke(token: string): void {
    this.byToken.delete(token);
    this.refreshTokens.delete(token);
  }

  /** Ends every session now (refresh tokens stay valid, as after a session timeout). */
  expireAll(): number {
    const n = this.byToken.size;
    this.byToken.clear();
    return n;
  }

  clear(): void {
    this.byToken.clear();
    this.refreshTokens.clear();
  }
}

/** The token from `Authorization: Bearer x` / `OAuth x`. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim();
}

import { randomUUID } from 'node:crypto';
import { UserError } from '../errors.js';
import { checkPassword, digest, hashPassword, newPassword, newSecret } from './passwords.js';
import type { StoreDb } from './open.js';

export const ROLES = ['admin', 'facilitator', 'villain', 'responder', 'lead', 'viewer', 'alert-source', 'phishing-admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: a user with their roles, whether through a session or an API token. */
export interface Principal {
  readonly userId: string;
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
}

export interface UserInfo {
  readonly id: string;
  readonly name: string;
  readonly roles: Role[];
  readonly createdAt: number;
  readonly disabled: boolean;
}

export interface TokenInfo {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

const TOKEN_PREFIX = 'fdt';
const SESSION_PREFIX = 'fds';
const LAST_USE_RESOLUTION_MS = 60_000;
/** A dashboard session lasts a working day. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Users, their roles, API tokens and sessions. Secrets are stored only as hashes. */
export class Users {
  readonly #lastUseWritten = new Map<string, number>();

  constructor(private readonly store: StoreDb) {}

  async count(): Promise<number> {
    const row = await this.store.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * On a store with no user: creates `admin` with a one-time password and returns it (shown
   * once, never stored in clear). Undefined when users exist. Safe against two replicas
   * starting at once: the name is unique, the loser finds the winner's admin.
   */
  async bootstrapAdmin(): Promise<{ name: string; password: string } | undefined> {
    if ((await this.count()) > 0) return undefined;
    const password = newPassword();
    try {
      await this.create('admin', ['admin'], password);
    } catch {
      return undefined; // another replica made it first
    }
    return { name: 'admin', password };
  }

  async create(name: string, roles: readonly Role[], password?: string): Promise<UserInfo> {
    const id = randomUUID();
    const now = Date.now();
    const hash = password === undefined ? null : await hashPassword(password);
    await this.store.db.transaction().execute(async (tx) => {
      const taken = await tx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
      if (taken) throw new UserError('FD_USER_EXISTS', `a user named ${name} exists`);
      await tx.insertInto('users').values({ id, name, password_hash: hash, created_at: now, disabled_at: null }).execute();
      for (const role of new Set(roles)) await tx.insertInto('role_bindings').values({ user_id: id, role }).execute();
    });
    return { id, name, roles: [...new Set(roles)], createdAt: now, disabled: false };
  }

  async list(): Promise<UserInfo[]> {
    const users = await this.store.db.selectFrom('users').selectAll().orderBy('name').execute();
    const bindings = await this.store.db.selectFrom('role_bindings').selectAll().execute();
    return users.map((u) => ({
      id: u.id,
      name: u.name,
      roles: bindings.filter((b) => b.user_id === u.id).map((b) => b.role as Role),
      createdAt: u.created_at,
      disabled: u.disabled_at !== null,
    }));
  }

  async get(id: string): Promise<UserInfo | undefined> {
    return (await this.list()).find((u) => u.id === id);
  }

  async setRoles(userId: string, roles: readonly Role[]): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('role_bindings').where('user_id', '=', userId).execute();
      for (const role of new Set(roles)) await tx.insertInto('role_bindings').values({ user_id: userId, role }).execute();
    });
  }

  async setPassword(userId: string, password: string): Promise<void> {
    await this.store.db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', userId)
      .execute();
  }

  /** The user whose password this is; undefined for a wrong name or password (not told apart). */
  async login(name: string, password: string): Promise<Principal | undefined> {
    const user = await this.store.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    if (!user?.password_hash || user.disabled_at !== null) return undefined;
    if (!(await checkPassword(password, user.password_hash))) return undefined;
    return this.principal(user.id, user.name);
  }

  /** Issues an API token for the user: the token is returned once; the store keeps its hash. */
  async issueToken(userId: string, name: string, expiresAt?: number): Promise<{ token: string; info: TokenInfo }> {
    const token = newSecret(TOKEN_PREFIX);
    const info: TokenInfo = {
      id: randomUUID(),
      userId,
      name,
      createdAt: Date.now(),
      expiresAt: expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    };
    await this.store.db
      .insertInto('api_tokens')
      .values({
        id: info.id,
        user_id: userId,
        name,
        hash: digest(token),
        created_at: info.createdAt,
        expires_at: info.expiresAt,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    return { token, info };
  }

  async tokens(userId?: string): Promise<TokenInfo[]> {
    let query = this.store.db.selectFrom('api_tokens').selectAll().orderBy('created_at');
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    return (await query.execute()).map((t) => ({
      id: t.id,
      userId: t.user_id,
      name: t.name,
      createdAt: t.created_at,
      expiresAt: t.expires_at,
      revokedAt: t.revoked_at,
      lastUsedAt: t.last_used_at,
    }));
  }

  async revokeToken(id: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('api_tokens')
      .set({ revoked_at: Date.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The principal a bearer token stands for: undefined when unknown, revoked, expired or its user disabled. */
  async byToken(token: string): Promise<Principal | undefined> {
    const now = Date.now();
    // One round trip: the token, its user and the user's roles (a row per role).
    const rows = await this.store.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .leftJoin('role_bindings', 'role_bindings.user_id', 'users.id')
      .select([
        'api_tokens.id',
        'api_tokens.expires_at',
        'api_tokens.revoked_at',
        'users.id as userId',
        'users.name',
        'users.disabled_at',
        'role_bindings.role',
      ])
      .where('api_tokens.hash', '=', digest(token))
      .execute();
    const row = rows[0];
    if (!row || row.revoked_at !== null || row.disabled_at !== null || (row.expires_at !== null && row.expires_at <= now)) return undefined;
    // `last used` to the minute: a write per request would serialize every API call on SQLite.
    if (now - (this.#lastUseWritten.get(row.id) ?? 0) > LAST_USE_RESOLUTION_MS) {
      this.#lastUseWritten.set(row.id, now);
      await this.store.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    const roles = rows.flatMap((r) => (r.role === null ? [] : [r.role as Role]));
    return { userId: row.userId, name: row.name, roles: new Set(roles) };
  }

  /** Opens a dashboard session: the cookie value and its CSRF token (both returned once). */
  async openSession(userId: string): Promise<{ cookie: string; csrf: string; expiresAt: number }> {
    const cookie = newSecret(SESSION_PREFIX);
    const csrf = newSecret('csrf');
    const now = Date.now();
    const expiresAt = now + SESSION_TTL_MS;
    await this.store.db
      .insertInto('sessions')
      .values({ id_hash: digest(cookie), user_id: userId, csrf: digest(csrf), created_at: now, expires_at: expiresAt })
      .execute();
    return { cookie, csrf, expiresAt };
  }

  /** The session's principal and whether `csrf` matches it; undefined when unknown or expired. */
  async bySession(cookie: string, csrf?: string): Promise<{ principal: Principal; csrfOk: boolean } | undefined> {
    const row = await this.store.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.csrf', 'sessions.expires_at', 'users.id as userId', 'users.name', 'users.disabled_at'])
      .where('sessions.id_hash', '=', digest(cookie))
      .executeTakeFirst();
    if (!row || row.expires_at <= Date.now() || row.disabled_at !== null) return undefined;
    return { principal: await this.principal(row.userId, row.name), csrfOk: csrf !== undefined && digest(csrf) === row.csrf };
  }

  async closeSession(cookie: string): Promise<void> {
    await this.store.db.deleteFrom('sessions').where('id_hash', '=', digest(cookie)).execute();
  }

  private async principal(userId: string, name: string): Promise<Principal> {
    const roles = await this.store.db.selectFrom('role_bindings').select('role').where('user_id', '=', userId).execute();
    return { userId, name, roles: new Set(roles.map((r) => r.role as Role)) };
  }
}

/**
 * Grants: bearer tokens (stored only as SHA-256) mapped to identities, each with its own ceiling:
 * read_only, toolsets, and per-tool fields in the overlay's shape. A grant only narrows what the
 * global policy allows: it can hide tools, add confirmation, add limits and rules; never widen.
 * The file is re-read when it changes, so a revocation applies on the next request.
 */
import { writeFileAtomic } from '../util/files.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { parseYamlText, yaml } from '../config/load-yaml.js';
import { PolicyFieldsSchema } from '../config/policy-schema.js';

export const GrantSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'an id is 1-64 letters, digits, _ . @ -'),
    token_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'token_sha256 is 64 hex digits'),
    read_only: z.boolean().optional(),
    toolsets: z.array(z.string()).optional(),
    tools: z.record(z.string(), PolicyFieldsSchema).optional(),
  })
  .strict();
export const GrantsFileSchema = z.object({ grants: z.array(GrantSchema).default([]) }).strict();
export type Grant = z.infer<typeof GrantSchema>;

export interface ResolvedGrant extends Grant {
  /** file#/grants/<index>, for rule pointers in the audit. */
  at: string;
}

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export class GrantStore {
  private cache: { mtimeMs: number; grants: ResolvedGrant[] } | undefined;

  constructor(readonly path: string) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  /** Current grants; re-read whenever the file changes. Throws ConfigError on a bad file. */
  all(): ResolvedGrant[] {
    if (!existsSync(this.path)) return [];
    const mtimeMs = statSync(this.path).mtimeMs;
    if (this.cache?.mtimeMs !== mtimeMs) {
      const parsed = parseYamlText(readFileSync(this.path, 'utf8'), this.path, GrantsFileSchema);
      const ids = new Set<string>();
      for (const g of parsed.grants) {
        if (ids.has(g.id)) throw new Error(`${this.path}: grant id ${g.id} appears twice`);
        ids.add(g.id);
      }
      this.cache = { mtimeMs, grants: parsed.grants.map((g, i) => ({ ...g, at: `${basename(this.path)}#/grants/${i}` })) };
    }
    return this.cache.grants;
  }

  /** The grant for a bearer token, compared in constant time. */
  authenticate(token: string): ResolvedGrant | undefined {
    const hash = Buffer.from(tokenHash(token), 'hex');
    return this.all().find((g) => timingSafeEqual(Buffer.from(g.token_sha256, 'hex'), hash));
  }

  private write(grants: Grant[]): void {
    writeFileAtomic(this.path, `# quantconnect-mcp grants: tokens are stored as SHA-256 only.\n${yaml().stringify({ grants })}`);
  }

  /** Add a grant; returns the token, which is shown once and never stored. */
  add(fields: Omit<Grant, 'token_sha256'>): string {
    const grants = this.all().map(({ at: _at, ...g }) => g);
    if (grants.some((g) => g.id === fields.id)) throw new Error(`a grant named ${fields.id} exists already; revoke it first`);
    GrantSchema.parse({ ...fields, token_sha256: '0'.repeat(64) });
    const token = `qcm_${randomBytes(32).toString('base64url')}`;
    this.write([...grants, { ...fields, token_sha256: tokenHash(token) }]);
    return token;
  }

  revoke(id: string): void {
    const grants = this.all().map(({ at: _at, ...g }) => g);
    if (!grants.some((g) => g.id === id)) throw new Error(`no grant named ${id}`);
    this.write(grants.filter((g) => g.id !== id));
  }
}

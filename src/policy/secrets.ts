/**
 * Secrets in arguments. Brokerage settings carry user names, passwords, tokens and account
 * numbers. Operators keep them server-side in a secrets file; an agent names a credential set
 * ({"brokerage": {"id": "InteractiveBrokersBrokerage", "credentials": "ib-paper"}}) and the runtime
 * fills the fields in just before the upstream call. Whatever we write (confirmation summaries,
 * logs, audit, errors) is redacted by key and scrubbed of every known secret value.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, parseYamlFile } from '../config/load-yaml.js';
import { ToolError } from '../tool/results.js';

const SecretsFileSchema = z
  .object({
    brokerages: z.record(z.string(), z.object({ id: z.string().min(1) }).catchall(z.union([z.string(), z.number(), z.boolean()]))).default({}),
  })
  .strict();

/** Keys whose values are secret wherever they appear. */
export const SECRET_KEY = /pass|secret|token|api[-_]?key|private|credential|account|user[-_]?name|login|pin\b|otp|2fa|totp|refresh|session|client[-_]?id/i;
export const REDACTED = '[redacted]';

export function redact(value: unknown, key = ''): unknown {
  if (key !== '' && SECRET_KEY.test(key) && key !== 'credentials') return value === undefined ? value : REDACTED;
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  return value;
}

export class Secrets {
  private readonly values = new Set<string>();

  constructor(
    private readonly brokerages: Record<string, Record<string, unknown>> = {},
    extra: (string | undefined)[] = [],
  ) {
    for (const entry of Object.values(brokerages)) {
      for (const [k, v] of Object.entries(entry)) if (k !== 'id' && String(v).length >= 4) this.values.add(String(v));
    }
    for (const v of extra) if (v && v.length >= 4) this.values.add(v);
  }

  static load(file: string | undefined, extra: (string | undefined)[], warn: (line: string) => void): Secrets {
    if (!file) return new Secrets({}, extra);
    const parsed = parseYamlFile(file, SecretsFileSchema);
    try {
      if ((statSync(file).mode & 0o077) !== 0) warn(`quantconnect-mcp: ${file} is readable by other users; chmod 600 it.`);
    } catch (error) {
      throw new ConfigError(file, [(error as Error).message]);
    }
    readFileSync(file); // readable now, or the error surfaces at start-up rather than at deploy time
    return new Secrets(parsed.brokerages as Record<string, Record<string, unknown>>, extra);
  }

  names(): string[] {
    return Object.keys(this.brokerages);
  }

  /** Replace every known secret value in `text`. */
  scrub(text: string): string {
    let out = text;
    for (const value of this.values) out = out.split(value).join(REDACTED);
    return out;
  }

  private fillOne(settings: unknown, where: string): unknown {
    if (!settings || typeof settings !== 'object' || !('credentials' in settings)) return settings;
    const { credentials: name, ...rest } = settings as Record<string, unknown>;
    const entry = typeof name === 'string' ? this.brokerages[name] : undefined;
    if (!entry) {
      const known = this.names();
      throw new ToolError(
        `${where}.credentials names "${String(name)}", which is not a credential set on this server. ` +
          (known.length > 0 ? `Available: ${known.join(', ')}.` : 'The operator has not configured any (policy.secrets_file or QC_MCP_SECRETS).'),
      );
    }
    if (rest.id !== undefined && rest.id !== entry.id) {
      throw new ToolError(`${where}.credentials "${name as string}" is for ${String(entry.id)}, not ${String(rest.id)}.`);
    }
    return { ...rest, ...entry };
  }

  /** Fill named credentials into brokerage and dataProviders; returns new arguments and whether any were used. */
  fill(args: Record<string, unknown>): { args: Record<string, unknown>; used: boolean } {
    let used = false;
    const out = { ...args };
    if (out.brokerage && typeof out.brokerage === 'object' && 'credentials' in out.brokerage) {
      out.brokerage = this.fillOne(out.brokerage, 'brokerage');
      used = true;
    }
    if (out.dataProviders && typeof out.dataProviders === 'object') {
      out.dataProviders = Object.fromEntries(
        Object.entries(out.dataProviders as Record<string, unknown>).map(([k, v]) => {
          if (v && typeof v === 'object' && 'credentials' in v) used = true;
          return [k, this.fillOne(v, `dataProviders.${k}`)];
        }),
      );
    }
    return { args: out, used };
  }
}

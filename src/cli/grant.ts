/** `quantconnect-mcp grant add ID [--read-only] [--toolsets a,b] | list | revoke ID`. */
import { join } from 'node:path';
import { readEnv } from '../config/env.js';
import { GrantStore } from '../policy/grants.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

export function grantCommand(action: string | undefined, id: string | undefined, flags: { readOnly: boolean; toolsets: string | undefined }): number {
  const env = readEnv();
  const store = new GrantStore(env.grantsPath ?? join(env.stateDir, 'grants.yaml'));
  try {
    if (action === 'add' && id) {
      const toolsets = flags.toolsets
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const token = store.add({ id, ...(flags.readOnly ? { read_only: true } : {}), ...(toolsets ? { toolsets } : {}) });
      out(`Grant ${id} added to ${store.path}. Its bearer token, shown only this once:`);
      out(token);
      out(`Clients send it as: Authorization: Bearer ${token.slice(0, 8)}…`);
      return 0;
    }
    if (action === 'list') {
      const grants = store.all();
      if (grants.length === 0) out(`No grants in ${store.path}.`);
      for (const g of grants) {
        const ceiling = [
          g.read_only ? 'read-only' : 'read-write',
          g.toolsets ? `toolsets: ${g.toolsets.join(', ')}` : 'all toolsets',
          g.tools ? `tool overrides: ${Object.keys(g.tools).join(', ')}` : '',
        ];
        out(`${g.id}  ${ceiling.filter(Boolean).join('; ')}`);
      }
      return 0;
    }
    if (action === 'revoke' && id) {
      store.revoke(id);
      out(`Grant ${id} revoked; its token stops working on the next request.`);
      return 0;
    }
  } catch (error) {
    process.stderr.write(`quantconnect-mcp: ${(error as Error).message}\n`);
    return 1;
  }
  process.stderr.write('usage: quantconnect-mcp grant add ID [--read-only] [--toolsets a,b] | grant list | grant revoke ID\n');
  return 2;
}

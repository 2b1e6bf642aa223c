/**
 * The commands a refusal tells the operator to run work exactly as written, from the folder the
 * README's set-up (`npm install`) leaves: the text's `npx quantconnect-mcp approve ap_…` and
 * `npx quantconnect-mcp deny ap_…` are run through a shell, verbatim, and the agent's retry then
 * runs once (approved) or is refused (denied).
 */
import { execSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { LIVE_ON, policyRig, text, type Rig } from '../helpers/policy.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Every backquoted command in a message. */
const commands = (message: string): string[] => [...message.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\\\\/g, '\\'));

function runAsWritten(command: string, stateDir: string): string {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return execSync(command, { cwd: process.cwd(), env: { ...env, QC_MCP_STATE_DIR: stateDir }, encoding: 'utf8', timeout: 120_000, shell: '/bin/sh' });
}

describe('commands named in refusals', () => {
  it('npx quantconnect-mcp approve / deny, as written in the message, decide the pending call', async () => {
    rig = await policyRig(LIVE_ON, { now: Date.now });
    const c = await rig.connect({ human: 'none' });
    const first = await c.call('liquidate_live_algorithm', { projectId: 7 });
    expect(first.isError).toBe(true);
    const message = (first.content as { text: string }[])[0]!.text;
    const approve = commands(message).find((cmd) => cmd.includes(' approve '));
    expect(approve).toMatch(/^npx quantconnect-mcp approve ap_[0-9a-f]+$/);
    expect(commands(message)).toContain('npx quantconnect-mcp console');
    expect(runAsWritten(approve!, rig.stateDir)).toMatch(/approved: liquidate_live_algorithm/);
    const retried = await c.call('liquidate_live_algorithm', { projectId: 7 });
    expect(retried.isError, text(retried)).toBeFalsy();
    expect(rig.sent('/live/update/liquidate')).toBe(1);

    const second = await c.call('liquidate_live_algorithm', { projectId: 8 });
    const deny = commands((second.content as { text: string }[])[0]!.text).find((cmd) => cmd.includes(' deny '));
    expect(deny).toMatch(/^npx quantconnect-mcp deny ap_[0-9a-f]+$/);
    expect(runAsWritten(deny!, rig.stateDir)).toMatch(/denied: liquidate_live_algorithm/);
    const refused = await c.call('liquidate_live_algorithm', { projectId: 8 });
    expect(text(refused)).toContain('The operator denied this exact liquidate_live_algorithm call');
    expect(rig.sent('/live/update/liquidate')).toBe(1);
  }, 300_000);
});

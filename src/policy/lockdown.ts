/** The operator's kill switch: while the lockdown file exists, every critical tool is refused. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const lockdownFile = (stateDir: string): string => join(stateDir, 'lockdown');

/** Checked on every call (a stat), so it takes effect mid-session without a restart. */
export const isLockedDown = (stateDir: string): boolean => existsSync(lockdownFile(stateDir));

/** Where the switch lives: a file in the state directory, or a Redis key shared by replicas. */
export interface LockdownSwitch {
  isOn(): Promise<boolean>;
  set(on: boolean): Promise<void>;
}

export class FileLockdown implements LockdownSwitch {
  constructor(private readonly stateDir: string) {}
  async isOn(): Promise<boolean> {
    return isLockedDown(this.stateDir);
  }
  async set(on: boolean): Promise<void> {
    setLockdown(this.stateDir, on, 'set by the server');
  }
}

export function setLockdown(stateDir: string, on: boolean, reason = ''): void {
  mkdirSync(stateDir, { recursive: true });
  if (on) writeFileSync(lockdownFile(stateDir), `${new Date().toISOString()} ${reason}\n`);
  else rmSync(lockdownFile(stateDir), { force: true });
}

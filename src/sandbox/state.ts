/**
 * The sandbox's state: everything an account holds, in memory, optionally persisted as JSON.
 * Jobs (compiles, backtests, optimizations, live deployments) store when they started;
 * their progress is derived from the clock when read, so there are no timers to leak.
 */
import { writeFileAtomic } from '../util/files.js';
import { existsSync, readFileSync } from 'node:fs';
import type { LiveBook } from './live-book.js';

export interface SandboxFile {
  id: number;
  name: string;
  content: string;
  modified: string;
}

export interface Collaborator {
  uid: number;
  publicId: string;
  liveControl: boolean;
  permission: 'read' | 'write';
  owner: boolean;
}

export interface Compile {
  compileId: string;
  createdMs: number;
  /** Decided at creation from the files: null when the build succeeds. */
  errors: string[] | null;
  signature: string;
  parameters: string[];
}

export interface Backtest {
  backtestId: string;
  name: string;
  note: string;
  compileId: string;
  createdMs: number;
  parameters: Record<string, string>;
  seed: number;
}

export interface Optimization {
  optimizationId: string;
  name: string;
  compileId: string;
  createdMs: number;
  aborted: boolean;
  target: string;
  targetTo: string;
  nodeType: string;
  parallelNodes: number;
  parameters: { name: string; min: number; max: number; step: number }[];
  constraints: unknown[];
}

export interface LiveDeployment {
  deployId: string;
  compileId: string;
  nodeId: string;
  brokerage: string;
  createdMs: number;
  stoppedMs: number | null;
  liquidated: boolean;
  commands: { received: string; command: unknown }[];
  seed: number;
  /** Cash, holdings and marks (src/sandbox/live-book.ts); absent in state saved before it existed. */
  book?: LiveBook;
}

export interface Project {
  projectId: number;
  name: string;
  description: string;
  language: 'C#' | 'Py';
  organizationId: string;
  created: string;
  modified: string;
  files: SandboxFile[];
  collaborators: Collaborator[];
  /** codeSourceId holding the edit lock, when the project has collaborators. */
  lockedBy: string | null;
  nodes: string[];
  compiles: Compile[];
  backtests: Backtest[];
  optimizations: Optimization[];
  live: LiveDeployment[];
}

export interface StoredObject {
  key: string;
  /** Base64 of the bytes. */
  data: string;
  mime: string;
  created: string;
  modified: string;
}

export interface SandboxState {
  version: 1;
  organizationId: string;
  nextId: number;
  projects: Project[];
  objects: StoredObject[];
  downloadJobs: Record<string, string[]>;
  /** brokerage -> authorization granted by the simulated login. */
  authorizations: Record<string, { authorizedMs: number }>;
}

export function emptyState(organizationId: string): SandboxState {
  return { version: 1, organizationId, nextId: 1, projects: [], objects: [], downloadJobs: {}, authorizations: {} };
}

export function loadState(path: string, organizationId: string): SandboxState {
  if (!existsSync(path)) return emptyState(organizationId);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as SandboxState;
  if (parsed.version !== 1) throw new Error(`${path}: unknown sandbox state version ${String(parsed.version)}`);
  return parsed;
}

/** Write atomically (temp file + rename), so a crash never leaves half a state file. */
export function saveState(path: string, state: SandboxState): void {
  writeFileAtomic(path, JSON.stringify(state));
}

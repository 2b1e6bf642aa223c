/** MCP annotations derived from a tool's risk class: one function, used by the runtime and the tests. */
import type { Risk } from '../config/tools-schema.js';

export interface DerivedAnnotations {
  readOnlyHint?: true;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint: boolean;
}

/**
 * MCP annotations follow from the risk class (and whether the tool leaves this machine); never
 * hand-written. A read tool says readOnlyHint only: the spec makes destructiveHint and
 * idempotentHint meaningful only when readOnlyHint is false, and tools/list stays smaller.
 * Every other tool states both explicitly.
 */
export function annotationsFor(risk: Risk, openWorld: boolean): DerivedAnnotations {
  if (risk === 'read') return { readOnlyHint: true, openWorldHint: openWorld };
  return { destructiveHint: risk === 'destructive' || risk === 'financial', idempotentHint: risk === 'destructive', openWorldHint: openWorld };
}

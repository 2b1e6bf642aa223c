/** MCP annotations derived from a tool's risk class: one function, used by the runtime and the tests. */
import type { Risk } from '../config/tools-schema.js';

export interface DerivedAnnotations {
  readOnlyHint?: true;
  destructiveHint?: boolean;
  idempotentHint?: true;
  openWorldHint?: false;
}

/**
 * MCP annotations follow from the risk class (and whether the tool leaves this machine); never
 * hand-written. A read tool says readOnlyHint only: the spec makes destructiveHint and
 * idempotentHint meaningful only when readOnlyHint is false, and tools/list stays smaller.
 * Every other tool states destructiveHint explicitly. idempotentHint appears only when true and
 * openWorldHint only when false: the others are the spec's defaults, and saying them on every tool
 * costs tokens in tools/list.
 */
export function annotationsFor(risk: Risk, openWorld: boolean): DerivedAnnotations {
  const world = openWorld ? {} : { openWorldHint: false as const };
  if (risk === 'read') return { readOnlyHint: true, ...world };
  return { destructiveHint: risk === 'destructive' || risk === 'financial', ...(risk === 'destructive' ? { idempotentHint: true as const } : {}), ...world };
}

/** MCP annotations derived from a tool's risk class: one function, used by the runtime and the tests. */
import type { Risk, Severity } from './tools-schema.js';

export interface DerivedAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** MCP annotations follow from the risk class (and whether the tool leaves this machine); never hand-written. */
export function annotationsFor(risk: Risk, openWorld: boolean): DerivedAnnotations {
  return {
    readOnlyHint: risk === 'read',
    destructiveHint: risk === 'destructive' || risk === 'financial',
    idempotentHint: risk === 'read' || risk === 'destructive',
    openWorldHint: openWorld,
  };
}

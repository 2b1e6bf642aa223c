/** Policy defaults derived from a tool's risk class: one function, used by the runtime and the docs. */
import type { Risk, Severity } from './tools-schema.js';

/** Financial and critical tools stay off until an operator enables them, whatever the toolset says. */
export function enabledByDefault(risk: Risk, severity: Severity, toolsetDefault: boolean): boolean {
  if (risk === 'financial' || severity === 'critical') return false;
  return toolsetDefault;
}

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

/**
 * The status resource (quantconnect-mcp://status): version, uptime, backend, active MCP sessions,
 * research instances, tool calls in flight, data source and memory. Nothing about other processes.
 */
import type { Resource } from '@modelcontextprotocol/server';
import { packageVersion } from '../config/package-info.js';
import type { Runtime } from './runtime.js';

export const STATUS_URI = 'quantconnect-mcp://status';

export const STATUS_RESOURCE: Resource = {
  uri: STATUS_URI,
  name: 'status',
  title: 'Server status',
  description: 'Version, uptime, backend, sessions, research instances, calls in flight, data source, memory.',
  mimeType: 'application/json',
};

interface Activity {
  sessions: number;
  inFlight: number;
}

const activities = new WeakMap<Runtime, Activity>();

/** This runtime's counters (connections open, tool calls running), created on first use. */
export function activityOf(runtime: Runtime): Activity {
  let activity = activities.get(runtime);
  if (!activity) activities.set(runtime, (activity = { sessions: 0, inFlight: 0 }));
  return activity;
}

/** Count one tool call while it runs. */
export async function counted<T>(runtime: Runtime, run: () => Promise<T>): Promise<T> {
  const activity = activityOf(runtime);
  activity.inFlight++;
  try {
    return await run();
  } finally {
    activity.inFlight--;
  }
}

const mb = (bytes: number): number => Math.round((bytes / 1_048_576) * 10) / 10;

export function statusOf(runtime: Runtime): Record<string, unknown> {
  const activity = activityOf(runtime);
  // The research plugins keep sessions per caller: identity -> instance name -> symbols.
  const research = runtime.pluginState.get('research.sessions') as Map<string, Map<string, unknown>> | undefined;
  const instances = [...(research?.values() ?? [])].reduce((sum, mine) => sum + mine.size, 0);
  const memory = process.memoryUsage();
  const { settings } = runtime;
  return {
    name: 'quantconnect-mcp',
    version: packageVersion(),
    node: process.version,
    uptime_s: Math.round(process.uptime()),
    backend: settings.backend === 'sandbox' ? 'sandbox (simulated QuantConnect API on loopback)' : 'QuantConnect',
    sessions_active: activity.sessions,
    research_instances: instances,
    jobs_in_flight: activity.inFlight,
    data_source: settings.data ?? 'not configured (QC_MCP_DATA)',
    memory_mb: { rss: mb(memory.rss), heap_used: mb(memory.heapUsed), heap_total: mb(memory.heapTotal) },
  };
}

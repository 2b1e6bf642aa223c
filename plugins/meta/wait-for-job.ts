/** wait_for_job: the progress and result of a call made with `background: true` (src/tool/jobs.ts). */
import { z } from 'zod';
import { jobStore } from '../../src/tool/jobs.js';
import { ToolError } from '../../src/tool/results.js';
import { defineTool } from '../../src/tool/tool.js';

export const waitForJob = defineTool({
  name: 'wait_for_job',
  title: 'Wait for job',
  description: 'Result or progress of a call made with background: true.',
  toolset: 'meta',
  risk: 'read',
  severity: 'low',
  input: z.object({
    job_id: z.string().max(100).describe('job_id from the background call'),
    wait_s: z.number().min(0).max(50).default(30).describe('Seconds to wait for the end'),
    cancel: z.boolean().optional().describe('Stop the job'),
  }),
  handler: async (a, ctx) => {
    const missing = () => new ToolError(`No job ${a.job_id} for this caller: jobs are kept an hour after they end, for the identity that started them.`);
    const job = a.cancel
      ? jobStore.cancel(a.job_id, ctx.identity)
      : await jobStore.wait(a.job_id, ctx.identity, a.wait_s * 1000, ctx.signal, (p) => void ctx.progress(p.progress, p.total, p.message));
    if (!job) throw missing();
    if (job.status === 'completed' && job.result) return job.result;
    if (job.status === 'failed') throw new ToolError(`Job ${job.id} (${job.tool}) failed: ${job.error}`);
    const p = job.progress;
    const where = p ? ` at ${p.progress}${p.total === undefined ? '' : ` of ${p.total}`}${p.message ? ` (${p.message})` : ''}` : '';
    return {
      structured: { job_id: job.id, status: job.status, ...(p ? { progress: p } : {}) },
      text: job.status === 'working' ? `Job ${job.id} is still working${where}: call wait_for_job again.` : `Job ${job.id} was cancelled${where}.`,
    };
  },
});

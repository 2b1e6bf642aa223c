/** Projects, collaboration, locks and nodes. */
import { hashSeed } from '../simulate.js';
import type { Project } from '../state.js';
import { fail, guarded, iso, nextId, ok, projectOf, Refusal, type Body, type Route, type RouteContext } from './common.js';

const PY_MAIN = `# region imports
from AlgorithmImports import *
# endregion


class SandboxAlgorithm(QCAlgorithm):

    def initialize(self):
        self.set_start_date(2023, 1, 1)
        self.set_cash(100000)
        self.add_equity("SPY", Resolution.DAILY)

    def on_data(self, data: Slice):
        if not self.portfolio.invested:
            self.set_holdings("SPY", 1)
`;
const CS_MAIN = `namespace QuantConnect.Algorithm.CSharp
{
    public class SandboxAlgorithm : QCAlgorithm
    {
        public override void Initialize()
        {
            SetStartDate(2023, 1, 1);
            SetCash(100000);
            AddEquity("SPY", Resolution.Daily);
        }
    }
}
`;
const NOTEBOOK = JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 });

export const NODES = {
  backtest: [
    {
      id: 'BN-sandbox-micro',
      name: 'B-MICRO',
      sku: 'B-MICRO',
      cpu: 2,
      ram: 8,
      speed: 1,
      price: { monthly: 0, yearly: 0 },
      busy: false,
      active: true,
      hasGpu: 0,
      assets: 100,
      description: 'Sandbox backtest node',
    },
  ],
  live: [
    {
      id: 'LN-sandbox-micro',
      name: 'L-MICRO',
      sku: 'L-MICRO',
      cpu: 1,
      ram: 0.5,
      speed: 1,
      price: { monthly: 20, yearly: 240 },
      busy: false,
      active: true,
      hasGpu: 0,
      assets: 10,
      description: 'Sandbox live node',
    },
  ],
  research: [
    {
      id: 'RN-sandbox-micro',
      name: 'R-MICRO',
      sku: 'R-MICRO',
      cpu: 1,
      ram: 2,
      speed: 1,
      price: { monthly: 0, yearly: 0 },
      busy: false,
      active: true,
      hasGpu: 0,
      assets: 100,
      description: 'Sandbox research node',
    },
  ],
};

export function projectView(project: Project) {
  return {
    projectId: project.projectId,
    organizationId: project.organizationId,
    name: project.name,
    description: project.description,
    modified: project.modified,
    created: project.created,
    ownerId: 1,
    language: project.language,
    collaborators: project.collaborators,
    leanVersionId: 17000,
    leanPinnedToMaster: true,
    owner: true,
    parameters: [],
    libraries: [],
    encrypted: false,
    codeRunning: project.live.some((l) => l.stoppedMs === null),
  };
}

/** The account's own user, as the API lists the owner among a project's collaborators. */
const OWNER = { uid: 1, publicId: 'sandbox-owner', liveControl: true, permission: 'write' as const, owner: true };

const sameName = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

function createProject(body: Body, ctx: RouteContext) {
  const name = String(body.name ?? '').trim();
  if (name === '') return fail('Project name cannot be empty.');
  const organizationId = typeof body.organizationId === 'string' ? body.organizationId : ctx.state.organizationId;
  if (organizationId !== ctx.state.organizationId) return fail(`Organization ${organizationId} not found or you are not a member.`);
  const now = iso(ctx.now());
  const language = body.language === 'C#' ? 'C#' : 'Py';
  const projectId = 20_000_000 + nextId(ctx);
  const files =
    language === 'Py'
      ? [
          { name: 'main.py', content: PY_MAIN },
          { name: 'research.ipynb', content: NOTEBOOK },
        ]
      : [
          { name: 'Main.cs', content: CS_MAIN },
          { name: 'Research.ipynb', content: NOTEBOOK },
        ];
  const project: Project = {
    projectId,
    name,
    description: '',
    language,
    organizationId,
    created: now,
    modified: now,
    files: files.map((f) => ({ ...f, id: nextId(ctx), modified: now })),
    // The API lists the owner among the collaborators; a new project selects its nodes automatically.
    collaborators: [OWNER],
    lockedBy: null,
    nodes: [],
    compiles: [],
    backtests: [],
    optimizations: [],
    live: [],
  };
  ctx.state.projects.push(project);
  ctx.save();
  return ok({ projects: [projectView(project)], versions: [] });
}

function readProjects(body: Body, ctx: RouteContext) {
  if (body.projectId !== undefined) {
    const project = projectOf(body, ctx);
    return ok({ projects: [projectView(project)], versions: [] });
  }
  const start = Number(body.start ?? 0);
  const end = body.end === undefined ? undefined : Number(body.end);
  if (start < 0 || (end !== undefined && end <= start)) return fail('Invalid window: start must be >= 0 and end > start.');
  return ok({ projects: ctx.state.projects.slice(start, end).map(projectView), versions: [] });
}

function updateProject(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  if (typeof body.name === 'string') {
    const name = body.name.trim();
    if (name === '') return fail('Project name cannot be empty.');
    if (ctx.state.projects.some((p) => p !== project && sameName(p.name, name))) return fail(`A project named "${name}" already exists.`);
    project.name = name;
  }
  if (typeof body.description === 'string') project.description = body.description;
  project.modified = iso(ctx.now());
  ctx.save();
  return ok();
}

function deleteProject(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  if (project.live.some((l) => l.stoppedMs === null)) return fail('Stop the live algorithm before deleting the project.');
  ctx.state.projects = ctx.state.projects.filter((p) => p !== project);
  ctx.save();
  return ok();
}

/** Editing a project with collaborators needs the lock (POST /projects/collaboration/lock/acquire). */
export function assertCanEdit(project: Project, codeSourceId: unknown): void {
  if (!project.collaborators.some((c) => !c.owner)) return;
  if (project.lockedBy === null || project.lockedBy !== codeSourceId) {
    throw new Refusal(
      fail(`Project ${project.projectId} has collaborators: acquire the lock (lock_project_with_collaborators) with this codeSourceId before editing.`),
    );
  }
}

/** A collaborator id must name someone: blank or whitespace ids are refused, as the API does. */
function collaboratorId(value: unknown): string {
  const id = typeof value === 'string' ? value.trim() : '';
  if (id === '') throw new Refusal(fail('The collaborator user id cannot be empty.'));
  return id;
}

function createCollaborator(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const publicId = collaboratorId(body.collaboratorUserId);
  if (project.collaborators.some((c) => c.publicId === publicId)) return fail(`${publicId} is already a collaborator.`);
  project.collaborators.push({
    uid: hashSeed(publicId) % 1_000_000,
    publicId,
    liveControl: body.collaborationLiveControl === true,
    permission: body.collaborationWrite === true ? 'write' : 'read',
    owner: false,
  });
  ctx.save();
  return ok({ collaborators: project.collaborators });
}

function updateCollaborator(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const id = collaboratorId(body.collaboratorUserId);
  const collaborator = project.collaborators.find((c) => c.publicId === id);
  if (!collaborator) return fail(`${String(body.collaboratorUserId)} is not a collaborator on project ${project.projectId}.`);
  collaborator.liveControl = body.liveControl === true;
  collaborator.permission = body.write === true ? 'write' : 'read';
  ctx.save();
  return ok({ collaborators: project.collaborators });
}

function deleteCollaborator(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const id = collaboratorId(body.collaboratorId);
  if (project.collaborators.some((c) => c.owner && c.publicId === id)) return fail('The owner of a project cannot be removed from it.');
  const before = project.collaborators.length;
  project.collaborators = project.collaborators.filter((c) => c.publicId !== id);
  if (project.collaborators.length === before) return fail(`${id} is not a collaborator on project ${project.projectId}.`);
  if (!project.collaborators.some((c) => !c.owner)) project.lockedBy = null;
  ctx.save();
  return ok({ collaborators: project.collaborators });
}

function acquireLock(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  project.lockedBy = String(body.codeSourceId);
  ctx.save();
  return ok();
}

function readNodes(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const mark = (nodes: typeof NODES.backtest) => nodes.map((n) => ({ ...n, active: project.nodes.includes(n.id) }));
  // A live node runs one algorithm: it is busy while a deployment on it has not stopped, and says for which project.
  const runningOn = (id: string) => ctx.state.projects.find((p) => p.live.some((l) => l.nodeId === id && l.stoppedMs === null));
  const live = mark(NODES.live).map((n) => {
    const user = runningOn(n.id);
    return user ? { ...n, busy: true, projectId: user.projectId, projectName: user.name, usedBy: 'sandbox' } : n;
  });
  return ok({ nodes: { backtest: mark(NODES.backtest), live, research: mark(NODES.research) }, autoSelectNode: project.nodes.length === 0 });
}

function updateNodes(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const known = new Set([...NODES.backtest, ...NODES.live, ...NODES.research].map((n) => n.id));
  const requested = Array.isArray(body.nodes) ? body.nodes.map(String) : [];
  const unknown = requested.filter((id) => !known.has(id));
  if (unknown.length > 0) return fail(`Unknown node id(s): ${unknown.join(', ')}. Read the project's nodes for valid ids.`);
  project.nodes = requested;
  ctx.save();
  return readNodes(body, ctx);
}

export const projectRoutes: Record<string, Route> = Object.fromEntries(
  Object.entries({
    'POST /projects/create': createProject,
    'POST /projects/read': readProjects,
    'POST /projects/update': updateProject,
    'POST /projects/delete': deleteProject,
    'POST /projects/collaboration/create': createCollaborator,
    'POST /projects/collaboration/read': (body: Body, ctx: RouteContext) => {
      const project = projectOf(body, ctx);
      return ok({ collaborators: project.collaborators, userLiveControl: true, userPermissions: 'write' });
    },
    'POST /projects/collaboration/update': updateCollaborator,
    'POST /projects/collaboration/delete': deleteCollaborator,
    'POST /projects/collaboration/lock/acquire': acquireLock,
    'POST /projects/nodes/read': readNodes,
    'POST /projects/nodes/update': updateNodes,
  }).map(([op, route]) => [op, guarded(route)]),
);

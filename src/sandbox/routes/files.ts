/** Project files: create, read, rename, update, unified-diff patch (all or nothing), delete. */
import { lazyRequire } from '../../util/lazy-require.js';
import type { Project } from '../state.js';
import { fail, guarded, iso, nextId, ok, projectOf, type Body, type Route, type RouteContext } from './common.js';
import { assertCanEdit } from './projects.js';

const diff = lazyRequire<typeof import('diff')>('diff');

const EMPTY_CONTENT = 'File content cannot be empty.';
const VALID_NAME = /^[A-Za-z0-9_./ -]{1,200}$/;

const fileView = (project: Project, file: Project['files'][number]) => ({
  id: file.id,
  projectId: project.projectId,
  name: file.name,
  content: file.content,
  modified: file.modified,
  open: false,
  isLibrary: false,
});

function touch(project: Project, ctx: RouteContext): void {
  project.modified = iso(ctx.now());
  ctx.save();
}

function createFile(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  assertCanEdit(project, body.codeSourceId);
  const name = String(body.name);
  if (!VALID_NAME.test(name) || name.includes('..')) return fail(`Invalid file name "${name}".`);
  if (project.files.some((f) => f.name === name)) return fail(`File ${name} already exists in project ${project.projectId}; update it instead.`);
  if (typeof body.content !== 'string' || body.content === '') return fail(EMPTY_CONTENT);
  project.files.push({ id: nextId(ctx), name, content: body.content, modified: iso(ctx.now()) });
  touch(project, ctx);
  return ok();
}

function readFiles(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  if (body.name !== undefined) {
    const file = project.files.find((f) => f.name === body.name);
    if (!file) return fail(`File ${String(body.name)} not found in project ${project.projectId}.`);
    return ok({ files: [fileView(project, file)] });
  }
  return ok({ files: project.files.map((f) => fileView(project, f)) });
}

function updateFile(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  assertCanEdit(project, body.codeSourceId);
  const file = project.files.find((f) => f.name === body.name);
  if (!file) return fail(`File ${String(body.name)} not found in project ${project.projectId}.`);
  if (typeof body.newName === 'string') {
    if (!VALID_NAME.test(body.newName) || body.newName.includes('..')) return fail(`Invalid file name "${body.newName}".`);
    if (project.files.some((f) => f.name === body.newName)) return fail(`File ${body.newName} already exists.`);
    file.name = body.newName;
    file.modified = iso(ctx.now());
    touch(project, ctx);
    return ok();
  }
  if (typeof body.content !== 'string' || body.content === '') return fail(EMPTY_CONTENT);
  file.content = body.content;
  file.modified = iso(ctx.now());
  touch(project, ctx);
  return ok({ files: [fileView(project, file)] });
}

const stripPrefix = (name: string | undefined): string => (name ?? '').replace(/^[ab]\//, '').trim();

function patchFiles(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  assertCanEdit(project, body.codeSourceId);
  let patches;
  try {
    patches = diff().parsePatch(String(body.patch));
  } catch (error) {
    return fail(`The patch is not a valid unified diff: ${(error as Error).message}`);
  }
  if (patches.length === 0 || patches.every((p) => p.hunks.length === 0)) return fail('The patch has no hunks: use unified diff format with @@ headers.');
  const updates: { file: Project['files'][number]; content: string }[] = [];
  for (const patch of patches) {
    const name = stripPrefix(patch.newFileName === '/dev/null' ? patch.oldFileName : patch.newFileName) || stripPrefix(patch.oldFileName);
    const file = project.files.find((f) => f.name === name);
    if (!file) return fail(`The patch targets ${name || '(no file name)'}, which is not in project ${project.projectId}.`);
    const result = diff().applyPatch(file.content, patch);
    if (result === false) {
      return fail(`The patch does not apply to ${name}: its context lines do not match the file. Read the file and rebuild the diff from its exact content.`);
    }
    updates.push({ file, content: result });
  }
  const now = iso(ctx.now());
  for (const { file, content } of updates) {
    file.content = content;
    file.modified = now;
  }
  touch(project, ctx);
  return ok();
}

function deleteFile(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  assertCanEdit(project, body.codeSourceId);
  const before = project.files.length;
  project.files = project.files.filter((f) => f.name !== body.name);
  if (project.files.length === before) return fail(`File ${String(body.name)} not found in project ${project.projectId}.`);
  touch(project, ctx);
  return ok();
}

export const fileRoutes: Record<string, Route> = Object.fromEntries(
  Object.entries({
    'POST /files/create': createFile,
    'POST /files/read': readFiles,
    'POST /files/update': updateFile,
    'POST /files/patch': patchFiles,
    'POST /files/delete': deleteFile,
  }).map(([op, route]) => [op, guarded(route)]),
);

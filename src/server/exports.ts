/**
 * Files a tool exported (CSV, PDF): a direct call keeps them in the result store for the caller's
 * identity, links each after the text as a resource_link that resources/read serves, and lists them in
 * the structured content (`exports`: name, uri, path on disk, MIME type).
 */
import type { ExtraContent } from '../tool/results.js';
import type { ToolReturn } from '../tool/tool.js';
import { RESULTS_URI, type ResultStore } from './result-store.js';

export function publishFiles(done: ToolReturn, store: ResultStore, identity: string): ToolReturn {
  const files = done.files ?? [];
  if (files.length === 0) return done;
  const id = store.putFiles(identity, files);
  const listed = files.map((f) => ({ name: f.name, uri: `${RESULTS_URI}${id}/${encodeURIComponent(f.name)}`, path: f.path, mimeType: f.mimeType }));
  const links: ExtraContent[] = files.map((f, i) => ({
    type: 'resource_link',
    uri: (listed[i] as { uri: string }).uri,
    name: f.name,
    mimeType: f.mimeType,
    description: f.description,
  }));
  const lines = listed.map((f) => `${f.name}: ${f.uri} (on disk: ${f.path})`).join('\n');
  const { files: _, ...rest } = done;
  return {
    ...rest,
    structured: { ...done.structured, exports: listed },
    ...(done.text !== undefined ? { text: `${done.text}\n${lines}` } : {}),
    content: [...links, ...(done.content ?? [])],
  };
}

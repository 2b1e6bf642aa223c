/**
 * A dependency loaded on first use instead of at start-up. Start-up time to the first tools/list is a
 * measured budget (bench: "stdio cold start"), and YAML, JSON-schema validation and diffing are not
 * needed to list tools: a server without an overlay never parses YAML at all.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}

/** The README shows PolicyLayer's published example character for character, and that exact file loads as an overlay. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadOperatorConfig } from '../../src/config/operator-config.js';

const README = readFileSync('README.md', 'utf8');
const jsonBlocks = [...README.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README policy section', () => {
  it('shows the published PolicyLayer example character for character, and it loads with default deny', () => {
    const published = readFileSync('tests/fixtures/policylayer/published-example.json', 'utf8');
    expect(jsonBlocks).toContain(published);
    const config = loadOperatorConfig('tools.yaml', 'tests/fixtures/policylayer/published-example.json');
    expect(config.mode.value).toBe('deny');
  });
});

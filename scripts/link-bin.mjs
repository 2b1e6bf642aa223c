// After `npm install` in a clone: node_modules/.bin/quantconnect-mcp runs this checkout's build, so
// `npx quantconnect-mcp …` (what the README and the server's messages say) works as written, at once
// and offline. Installed from a tarball or the registry, npm links the bin itself and this never runs.
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';

const MAIN = 'dist/src/cli/main.js';
if (existsSync('node_modules') && existsSync(MAIN)) {
  mkdirSync('node_modules/.bin', { recursive: true });
  chmodSync(MAIN, 0o755);
  if (process.platform === 'win32') {
    writeFileSync('node_modules/.bin/quantconnect-mcp.cmd', '@node "%~dp0\\..\\..\\dist\\src\\cli\\main.js" %*\r\n');
  } else {
    rmSync('node_modules/.bin/quantconnect-mcp', { force: true });
    symlinkSync(`../../${MAIN}`, 'node_modules/.bin/quantconnect-mcp');
  }
}

/**
 * `quantconnect-mcp login`: store QuantConnect credentials in QC_MCP_STATE_DIR/credentials.json
 * (mode 0600). The token is read from stdin (--token-stdin) or typed without echo; never from argv,
 * where other users could see it in the process list. Environment variables still win.
 */
import { createInterface } from 'node:readline';
import { writeStoredCredentials } from '../config/credentials-file.js';
import { stateDirFrom } from '../config/env.js';
import { readSetting } from '../config/settings.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** Ask one question on the terminal; with hidden, what is typed is not echoed. */
function ask(question: string, hidden: boolean): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    if (hidden) {
      const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(question) ? s : '');
    }
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer.trim());
    });
  });
}

export async function login(options: { userId?: string | undefined; organizationId?: string | undefined; tokenStdin?: boolean | undefined }): Promise<number> {
  const stateDir = stateDirFrom();
  const interactive = process.stdin.isTTY === true && !options.tokenStdin;
  const userId = options.userId ?? (interactive ? await ask('QuantConnect user id: ', false) : '');
  if (!/^\d+$/.test(userId)) {
    process.stderr.write('quantconnect-mcp login: give the numeric user id with --user-id (from quantconnect.com/settings, "API access").\n');
    return 2;
  }
  const token = options.tokenStdin ? (await readAll(process.stdin)).trim() : interactive ? await ask('API token (not shown): ', true) : '';
  if (!/^\S{8,256}$/.test(token)) {
    process.stderr.write('quantconnect-mcp login: the API token is missing or malformed. Pipe it with --token-stdin, or run login in a terminal to type it.\n');
    return 2;
  }
  const path = writeStoredCredentials(stateDir, { userId, token, ...(options.organizationId ? { organizationId: options.organizationId } : {}) });
  process.stderr.write(`Saved credentials for user ${userId.slice(0, 2)}… to ${path} (mode 600).\n`);
  if (readSetting('userId', process.env) !== undefined || readSetting('token', process.env) !== undefined) {
    process.stderr.write('Note: QUANTCONNECT_USER_ID / QUANTCONNECT_API_TOKEN are set in this environment and take precedence over the saved file.\n');
  }
  process.stderr.write(`Check them with: npx quantconnect-mcp doctor\n`);
  return 0;
}

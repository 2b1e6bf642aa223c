/**
 * The console's pages, server-rendered with Handlebars (every {{value}} is HTML-escaped). No
 * script runs in the page: forms post back, and the Content-Security-Policy allows only this
 * stylesheet (by hash).
 */
import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';

const hb = Handlebars.create();
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);

export const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d232b;background:#f6f7f9}
header{background:#1d232b;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:16px;margin:0;flex:1}
header form{margin:0}
main{padding:12px 20px;max-width:1200px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 16px;margin:12px 0}
h2{font-size:15px;margin:4px 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eceef1;vertical-align:top}
pre{margin:0;white-space:pre-wrap;font-size:12px;background:#f3f4f6;padding:6px;border-radius:4px}
.ok{color:#146c2e}.bad{color:#a4161a}.muted{color:#687078}.decision{color:#475569}
.notice{background:#e8f1fd;border-color:#b6d1f5}
.token{font:13px monospace;background:#fff7d6;padding:8px;border:1px solid #e5c65a;word-break:break-all}
button{font:inherit;padding:3px 10px;cursor:pointer}
button.approve{background:#146c2e;color:#fff;border:1px solid #0f5223}
button.deny{background:#a4161a;color:#fff;border:1px solid #7d1114}
.approval{border:1px solid #dde1e6;border-radius:6px;padding:8px 12px;margin:8px 0}
.approval form{display:inline;margin-right:8px}
label{margin-right:10px}
`;

export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

hb.registerPartial(
  'layout',
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{title}} · quantconnect-mcp console</title><style>${STYLE}</style></head>
<body><header><h1>quantconnect-mcp operator console</h1>
{{#if csrf}}<form method="post" action="/signout"><input type="hidden" name="csrf" value="{{csrf}}"><button>Sign out</button></form>{{/if}}
</header><main>{{> @partial-block }}</main></body></html>`,
);

export const signInPage = hb.compile(`{{#> layout title="Sign in"}}
<section>
<h2>Sign in</h2>
{{#if failed}}<p class="bad">That secret is not right.</p>{{/if}}
<p>Paste the console secret. <code>quantconnect-mcp console</code> prints it; it is also in <code>{{secretPath}}</code>
(readable only by the account that runs the server).</p>
<form method="post" action="/signin">
<input type="hidden" name="next" value="{{next}}">
<input type="password" name="secret" autocomplete="current-password" size="50" aria-label="secret" autofocus>
<button>Sign in</button>
</form>
</section>
{{/layout}}`);

export const tokenPage = hb.compile(`{{#> layout title="Grant added" csrf=csrf}}
<section class="notice">
<h2>Grant {{id}} added</h2>
<p>Give this token to the agent's client (it sends <code>Authorization: Bearer &lt;token&gt;</code>). It is shown once, here,
and never again: only its SHA-256 is stored.</p>
<p class="token">{{token}}</p>
<p><a href="/#grants">Back to the console</a></p>
</section>
{{/layout}}`);

export const dashboardPage = hb.compile(`{{#> layout title="Console" csrf=csrf}}
{{#if flash}}<section class="notice" role="status"><p>{{flash}}</p></section>{{/if}}

<section id="approvals">
<h2>Pending approvals ({{pending.length}})</h2>
{{#unless pending.length}}<p class="muted">None. A call that needs a human's confirmation from a client that cannot ask appears here.</p>{{/unless}}
{{#each pending}}
<div class="approval{{#if (eq id ../focus)}} notice{{/if}}" id="{{id}}" data-approval="{{id}}">
<p><strong>{{tool}}</strong> for <strong>{{identity}}</strong> · <code>{{id}}</code> · expires {{expiresIso}}</p>
<pre class="summary">{{#each summaryLines}}{{this}}
{{/each}}</pre>
<p class="muted">Exact arguments (secrets redacted; SHA-256 {{args_sha256}}):</p>
<pre class="args">{{argsJson}}</pre>
<p>
<form method="post" action="/approvals/{{id}}/approve"><input type="hidden" name="csrf" value="{{../csrf}}"><button class="approve">Approve once</button></form>
<form method="post" action="/approvals/{{id}}/deny"><input type="hidden" name="csrf" value="{{../csrf}}"><button class="deny">Deny</button></form>
</p>
</div>
{{/each}}
{{#if decided.length}}
<details><summary>Recent decisions</summary><table><tr><th>id</th><th>tool</th><th>identity</th><th>status</th></tr>
{{#each decided}}<tr><td><code>{{id}}</code></td><td>{{tool}}</td><td>{{identity}}</td><td>{{status}}</td></tr>{{/each}}
</table></details>
{{/if}}
</section>

<section id="lockdown">
<h2>Lockdown: <span class="{{#if lockdown}}bad{{else}}ok{{/if}}">{{#if lockdown}}ON: every critical tool is refused{{else}}off{{/if}}</span></h2>
<form method="post" action="/lockdown"><input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="state" value="{{#if lockdown}}off{{else}}on{{/if}}">
<button class="{{#if lockdown}}approve{{else}}deny{{/if}}">{{#if lockdown}}Lift the lockdown{{else}}Lock down now{{/if}}</button></form>
<p class="muted">Policy state: {{stateWhere}}. Live guard: not configured (this version has none).</p>
</section>

<section id="limits">
<h2>Limits and current counts</h2>
{{#unless limits.length}}<p class="muted">No enabled tool has a limit.</p>{{/unless}}
<table>{{#if limits.length}}<tr><th>tool</th><th>limit</th><th>who</th><th>used</th><th>set at</th></tr>{{/if}}
{{#each limits}}{{#each counts}}<tr><td>{{../tool}}</td><td>{{../rule}}</td><td>{{who}}</td><td class="{{#if full}}bad{{/if}}">{{used}} / {{max}}</td><td class="muted">{{../at}}</td></tr>{{/each}}{{/each}}
</table>
</section>

<section id="audit">
<h2>Audit log: {{#if audit.verify.ok}}<span class="ok">chain verified, {{audit.verify.records}} records</span>{{else}}<span class="bad">BROKEN</span>{{/if}}</h2>
{{#unless audit.verify.ok}}<p class="bad">{{#if audit.verify.broken}}First broken record: {{audit.verify.broken.file}} line {{audit.verify.broken.line}}: {{audit.verify.broken.reason}}{{/if}}{{audit.verify.error}}</p>{{/unless}}
<form method="get" action="/">
<label>tool <select name="tool"><option value="">any</option>{{#each audit.tools}}<option{{#if (eq this ../filter.tool)}} selected{{/if}}>{{this}}</option>{{/each}}</select></label>
<label>identity <select name="identity"><option value="">any</option>{{#each audit.identities}}<option{{#if (eq this ../filter.identity)}} selected{{/if}}>{{this}}</option>{{/each}}</select></label>
<label>outcome <select name="outcome"><option value="">any</option>{{#each audit.decisions}}<option{{#if (eq this ../filter.outcome)}} selected{{/if}}>{{this}}</option>{{/each}}</select></label>
<button>Filter</button></form>
<p class="muted">{{audit.matched}} matching records; the latest {{audit.rows.length}} shown, newest first. Arguments are recorded as a hash and their keys only.</p>
<table><tr><th>seq</th><th>time</th><th>identity</th><th>tool</th><th>event</th><th>decision</th><th>rule</th><th>approval</th><th>error</th></tr>
{{#each audit.rows}}<tr class="audit-row"><td>{{seq}}</td><td>{{time}}</td><td>{{identity}}</td><td>{{tool}}</td><td>{{event}}</td><td class="{{outcomeClass}}">{{decision}}</td><td class="muted">{{rule}}</td><td>{{approval_id}}</td><td>{{error}}</td></tr>{{/each}}
</table>
</section>

<section id="grants">
<h2>Grants (HTTP callers)</h2>
<p class="muted">Tokens are stored as SHA-256 only and never shown; a new grant's token is shown once when it is added. File: {{grantsPath}}</p>
<table><tr><th>id</th><th>read-only</th><th>toolsets</th><th>per-tool fields</th><th></th></tr>
{{#each grants}}<tr><td>{{id}}</td><td>{{#if readOnly}}yes{{else}}no{{/if}}</td><td>{{toolsets}}</td><td>{{tools}}</td>
<td><form method="post" action="/grants/{{id}}/revoke"><input type="hidden" name="csrf" value="{{../csrf}}"><button class="deny">Revoke</button></form></td></tr>{{/each}}
</table>
<form method="post" action="/grants"><input type="hidden" name="csrf" value="{{csrf}}">
<label>id <input name="id" required pattern="[A-Za-z0-9_.@-]{1,64}"></label>
<label><input type="checkbox" name="read_only" value="1"> read-only</label>
<label>toolsets <input name="toolsets" placeholder="all, or a,b,c"></label>
<button>Add grant</button></form>
</section>

<section id="policy">
<h2>Effective policy per tool</h2>
<table><tr><th>tool</th><th>toolset</th><th>risk / severity</th><th>served</th><th>confirm</th><th>limits</th><th>rules</th></tr>
{{#each tools}}<tr><td>{{name}}</td><td>{{toolset}}</td><td>{{risk}} / {{severity}}</td>
<td class="{{#if available}}ok{{else}}muted{{/if}}">{{#if available}}yes{{else}}no{{/if}} <span class="muted">({{why}})</span></td>
<td>{{#if confirm}}yes{{/if}}</td><td>{{#each limits}}{{this}}<br>{{/each}}</td><td>{{#each rules}}{{this}}<br>{{/each}}</td></tr>{{/each}}
</table>
</section>
{{/layout}}`);

export const messagePage = hb.compile(`{{#> layout title="Refused"}}
<section><h2>{{title}}</h2><p>{{message}}</p><p><a href="/">Back to the console</a></p></section>
{{/layout}}`);

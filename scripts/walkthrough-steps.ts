// The README walk-through as data: each step's prose, the command a reader types
// (`npx gatehouse ...` or curl) and what it printed. scripts/walkthrough.ts runs the
// commands for real in a shell against a fresh server and writes the transcript into
// README.md; test/readme/walkthrough.test.ts runs the same steps in-process and checks
// the answers. Later steps use ids that earlier steps printed.

export type HttpReq = {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  token?: string;
};

/** Runs a step; answers what it printed on stdout. */
export type Exec = {
  cli(argv: string[], opts: { shell: string; tty: boolean }): Promise<string>;
  http(req: HttpReq, opts: { shell: string; vars: Record<string, string> }): Promise<string>;
};

export type Entry = { prose: string; commands: string[]; output: string };

/** What the steps produced, for the test to check. */
export type Answers = {
  client: { clientId: string; clientSecret: string };
  token: { access_token: string; token_type: string; expires_in: number };
  // biome-ignore lint/suspicious/noExplicitAny: API answers, checked by the test
  user: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  app: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  resourceType: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  resource: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  entitlement: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  grant: any;
  grantsTable: string;
  appUserId: string;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  revoke: any;
  grantsAfter: string;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  history: any;
};

/** A shell word: quoted when it has anything a shell would read. */
const word = (s: string) => (/^[A-Za-z0-9@%+=:,./_-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);

function curl(base: string, req: HttpReq, formShell?: string): string {
  const method = req.method === 'DELETE' ? '-X DELETE ' : '';
  if (req.form) return `curl -s ${base}${req.path} ${formShell}`;
  const auth = `-H "Authorization: Bearer $TOKEN"`;
  if (req.json === undefined) return `curl -s ${method}${base}${req.path} ${auth}`;
  return `curl -s ${method}${base}${req.path} ${auth} -H 'Content-Type: application/json' \\\n    -d '${JSON.stringify(req.json)}'`;
}

/** The first row of a table the CLI printed, by column header. */
export function tableRow(text: string): Record<string, string> {
  const [header, row] = text.split('\n');
  // Columns are two or more spaces apart; headers contain single spaces.
  const starts = [...header.matchAll(/(^|\s{2,})(\S)/g)].map((m) => (m.index ?? 0) + m[1].length);
  const out: Record<string, string> = {};
  starts.forEach((at, i) => {
    out[header.slice(at, starts[i + 1]).trim()] = (row ?? '').slice(at, starts[i + 1]).trim();
  });
  return out;
}

export async function walkthrough(exec: Exec, base: string): Promise<{ transcript: Entry[]; answers: Answers }> {
  const transcript: Entry[] = [];
  const vars: Record<string, string> = {};
  const cli = async (prose: string, argv: string[], tty = false) => {
    const shell = `npx gatehouse ${argv.map(word).join(' ')}`;
    const output = await exec.cli(argv, { shell, tty });
    transcript.push({ prose, commands: [shell], output });
    return output;
  };
  const http = async (prose: string, req: HttpReq, formShell?: string) => {
    const shell = curl(base, req, formShell);
    const output = await exec.http({ ...req, token: vars.TOKEN }, { shell, vars });
    transcript.push({ prose, commands: [shell], output: `${output}\n` });
    const body = JSON.parse(output);
    // Every step must succeed; an error answer is {code, message, details}.
    if (typeof body.code === 'number' && typeof body.message === 'string') throw new Error(`${shell}\n-> ${output}`);
    return body;
  };
  /** `NAME='value'` lines: the reader keeps values for the next commands. */
  const keep = (values: Record<string, string>) => {
    Object.assign(vars, values);
    const last = transcript[transcript.length - 1];
    for (const [k, v] of Object.entries(values)) last.commands.push(`${k}='${v}'`);
  };

  const client = JSON.parse(
    await cli('In another terminal, create an API client. The secret is shown only this once:', [
      'clients',
      'create',
      '--name',
      'walkthrough',
    ]),
  );
  keep({ CLIENT_ID: client.clientId, CLIENT_SECRET: client.clientSecret });

  const token = await http(
    "Get an access token. C1's SDKs sign a client assertion with the secret (see [Pointing C1's SDKs at it](#pointing-c1s-sdks-at-it)); for curl, Gatehouse also accepts the secret itself as `client_secret`:",
    {
      method: 'POST',
      path: '/auth/v1/token',
      form: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret },
    },
    '-d grant_type=client_credentials \\\n    --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "client_secret=$CLIENT_SECRET"',
  );
  keep({ TOKEN: token.access_token });

  const user = JSON.parse(
    await cli('Identity users come from the CLI (or `gatehouse import users` with a CSV file):', [
      'users',
      'create',
      '--email',
      'ada@example.com',
      '--display-name',
      'Ada Lovelace',
    ]),
  );

  const app = (
    await http('Create an app; apps made through the API are managed manually (their grants are kept here):', {
      method: 'POST',
      path: '/api/v1/apps',
      json: { displayName: 'Payroll', description: 'The payroll system' },
    })
  ).app;

  const resourceType = (
    await http('Give it a resource type:', {
      method: 'POST',
      path: `/api/v1/apps/${app.id}/resource_types`,
      json: { displayName: 'Role', resourceType: 'ROLE' },
    })
  ).appResourceType;

  const resource = (
    await http("and a manually managed resource of that type (C1's `CreateManuallyManagedAppResource`), owned by Ada:", {
      method: 'POST',
      path: `/api/v1/apps/${app.id}/resource_types/${resourceType.id}/resources`,
      json: { displayName: 'Payroll admin', description: 'Runs the monthly payroll', resourceOwnerUserIds: [user.id] },
    })
  ).appResource;

  const entitlement = (
    await http('An entitlement on the resource is what people are granted:', {
      method: 'POST',
      path: `/api/v1/apps/${app.id}/entitlements`,
      json: {
        displayName: 'Payroll admin',
        slug: 'admin',
        appResourceTypeId: resourceType.id,
        appResourceId: resource.id,
      },
    })
  ).appEntitlementView.appEntitlement;

  const grant = await http('Grant it to Ada:', {
    method: 'POST',
    path: `/api/v1/apps/${app.id}/entitlements/${entitlement.id}/add-manual-user`,
    json: { userIds: [user.id] },
  });

  const grantsTable = await cli(
    'Who has access? On a terminal `grants list` prints a table (JSON with `--json` or when piped):',
    ['grants', 'list', '--app', app.id],
    true,
  );
  const appUserId = tableRow(grantsTable)['APP USER'];

  const revoke = await http("Revoke it, naming Ada's account in the app (the `APP USER` column):", {
    method: 'DELETE',
    path: `/api/v1/apps/${app.id}/entitlements/${entitlement.id}/remove-membership`,
    json: { appUserId },
  });

  const grantsAfter = await cli('Nobody has it now:', ['grants', 'list', '--app', app.id], true);

  const history = await http('The history keeps who held what, from when until when:', {
    method: 'POST',
    path: '/api/v1/search/past-grants',
    json: { appIds: [app.id] },
  });

  return {
    transcript,
    answers: {
      client,
      token,
      user,
      app,
      resourceType,
      resource,
      entitlement,
      grant,
      grantsTable,
      appUserId,
      revoke,
      grantsAfter,
      history,
    },
  };
}

/** The transcript as README markdown: prose, then a console block of commands and their output. */
export function toMarkdown(transcript: Entry[]): string {
  return transcript
    .map((e) => {
      const lines = [`$ ${e.commands[0]}`, e.output.replace(/\n$/, ''), ...e.commands.slice(1).map((c) => `$ ${c}`)];
      return `${e.prose}\n\n\`\`\`console\n${lines.join('\n')}\n\`\`\`\n`;
    })
    .join('\n');
}

// `gatehouse tls init`: the local CA and server certificate in one step (src/tls/local-ca.ts).
// Runs in the CLI's own process, never forwarded: it needs files, not the database.
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { localTlsHosts } from '../tls/server-tls.ts';
import type { CliIo } from './admin.ts';

export function registerTlsCommands(program: Command, init: (opt: { force?: boolean }) => Promise<void>): void {
  program
    .command('tls')
    .description('local HTTPS for C1 tools (Go SDK, cone, Terraform)')
    .command('init')
    .description(
      'create a local CA and a server certificate for the public host in <data dir>/tls; ' +
        'an existing setup is left unchanged unless --force',
    )
    .option('--force', 'make a new CA and server certificate (clients must trust the new CA)')
    .action((opt: { force?: boolean }) => init(opt));
}

export async function tlsInit(config: Config, io: CliIo, opt: { force?: boolean }): Promise<void> {
  const { ensureLocalTls } = await import('../tls/local-ca.ts');
  const r = await ensureLocalTls(config.dataDir, localTlsHosts(config), { force: opt.force });
  const ca = r.files.caCert;
  io.out(
    `${JSON.stringify(
      {
        created: r.wrote !== 'nothing',
        caCert: ca,
        cert: r.files.cert,
        key: r.files.key,
        hosts: r.hosts,
        env: { SSL_CERT_FILE: ca, NODE_EXTRA_CA_CERTS: ca },
      },
      null,
      2,
    )}\n`,
  );
  const lines: string[] = [];
  if (r.wrote === 'nothing') {
    lines.push(`${r.files.dir} is already set up; nothing changed (--force makes a new CA, which clients must trust again).`);
    if (r.missing.length > 0) {
      lines.push(
        `Its server certificate lacks ${r.missing.join(', ')}; \`serve\` with GATEHOUSE_TLS=auto reissues it from the same CA.`,
      );
    }
  } else {
    lines.push(`Created a local CA and a server certificate for ${r.hosts.join(', ')} in ${r.files.dir}`);
    lines.push('(private keys mode 0600; the CA key stays in that directory).');
    if (opt.force) lines.push('A server already running with GATEHOUSE_TLS=auto serves the old certificate until restarted.');
  }
  lines.push(
    'Serve HTTPS with it: GATEHOUSE_TLS=auto (e.g. GATEHOUSE_TLS=auto npm start).',
    'Go tools (Go SDK, cone, Terraform) trust it with:',
    `SSL_CERT_FILE=${ca}`,
    `Node tools: NODE_EXTRA_CA_CERTS=${ca}; Python: REQUESTS_CA_BUNDLE=${ca}`,
  );
  io.err(`${lines.join('\n')}\n`);
}

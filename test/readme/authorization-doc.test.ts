// README's authorization tables are the ones the server enforces.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { authorizationMarkdown, BEGIN, END } from '../../scripts/authorization-doc.ts';

it('README prints the authorization table the hook enforces (regenerate: npx tsx scripts/authorization-doc.ts --write)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  expect(a).toBeGreaterThan(0);
  expect(readme.slice(a, b + END.length)).toBe(authorizationMarkdown());
});

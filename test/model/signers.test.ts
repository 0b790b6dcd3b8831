import { createHash, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { signerGroups } from '../../src/model/signers';
import { newPublicKeyPem, projectDir } from '../support/fixtures';

/* Signer groups: which repositories share a verifier, and ids that depend only on the group itself. */

const dir = projectDir({ 'team.pub': newPublicKeyPem(), 'old.pub': newPublicKeyPem() });
const repo = (name: string, signing?: any) => ({ name, images: [`ghcr.io/acme/${name.toLowerCase()}-img`], ...(signing ? { signing } : {}) });
const groupsOf = (repositories: any[]) => {
  const bp = new ImageSigningBlueprint({
    config: <any>{
      name: 'acme',
      github: { owner: 'acme' },
      signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, ...(repositories.some((r) => r.signing?.mode === 'keyless') ? { keyless: {} } : {}) },
      repositories,
    },
    baseDir: dir,
  });
  return signerGroups(bp._model()).map((g) => ({ id: g.id, isDefault: g.isDefault, repos: g.repos.map((r) => r.name) }));
};
const fp = (file: string) => {
  return createHash('sha256').update(createPublicKey(fs.readFileSync(path.join(dir, file), 'utf8')).export({ type: 'spki', format: 'der' })).digest('hex');
};

describe('signer groups', () => {
  test('same key = one group (whatever else differs for the signer, e.g. the cosign release); each keyless identity its own', () => {
    expect(groupsOf([
      repo('web'), repo('api', { cosign: { version: 'v3.0.2' } }), repo('pay', { key: { publicKeyFile: 'team.pub' } }),
      repo('docs', { mode: 'keyless' }), repo('cli', { mode: 'keyless' }), repo('ledger', { key: { publicKeyFile: 'team.pub' } }),
    ])).toEqual([
      { id: 'default', isDefault: true, repos: ['web', 'api'] },
      { id: `key-${fp('team.pub').slice(0, 12)}`, isDefault: false, repos: ['pay', 'ledger'] },
      { id: 'docs', isDefault: false, repos: ['docs'] },
      { id: 'cli', isDefault: false, repos: ['cli'] },
    ]);
  });

  test('what a verifier reads splits a key group (format, tlog, previous keys); the id then carries a settings hash', () => {
    const g = groupsOf([
      repo('a', { key: { publicKeyFile: 'team.pub' } }),
      repo('b', { key: { publicKeyFile: 'team.pub' }, cosign: { signatureFormat: 'both' } }),
      repo('c', { key: { publicKeyFile: 'team.pub', previousPublicKeyFiles: ['old.pub'] } }),
      repo('d', { key: { publicKeyFile: 'team.pub' }, transparencyLog: false }),
    ]);
    const base = `key-${fp('team.pub').slice(0, 12)}`;
    expect(g.map((x) => x.repos)).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(g[0].id).toBe(base);
    for (const x of g.slice(1)) expect(x.id).toMatch(new RegExp(`^${base}-[0-9a-f]{6}$`));
    expect(new Set(g.map((x) => x.id)).size).toBe(4);
  });

  test('ids do not depend on the other repositories or their order', () => {
    const a = groupsOf([repo('pay', { key: { publicKeyFile: 'team.pub' } }), repo('docs', { mode: 'keyless' })]);
    const b = groupsOf([repo('x'), repo('docs', { mode: 'keyless' }), repo('y', { mode: 'keyless' }), repo('pay', { key: { publicKeyFile: 'team.pub' } })]);
    const idOf = (gs: typeof a, name: string) => gs.find((g) => g.repos.includes(name))!.id;
    expect(idOf(b, 'pay')).toBe(idOf(a, 'pay'));
    expect(idOf(b, 'docs')).toBe(idOf(a, 'docs'));
  });

  test('repository names that are not DNS-safe get a sanitized, hashed id; two look-alikes never share one', () => {
    const g = groupsOf([repo('My_Repo', { mode: 'keyless' }), { ...repo('my-repo', { mode: 'keyless' }), images: ['ghcr.io/acme/other'] }]);
    expect(g[1].id).toBe('my-repo');
    expect(g[0].id).toMatch(/^my-repo-[0-9a-f]{6}$/);
  });
});

'use strict';
// Synthetic organization blueprints for the benchmark: N repositories x 2 images x 2 clusters.
const fs = require('node:fs');
const path = require('node:path');
const { generateKeyPairSync } = require('node:crypto');
const { stringify } = require('yaml');

function orgConfig(repos, opts = {}) {
  const mode = opts.mode ?? 'key';
  const id = (i) => `svc-${String(i).padStart(4, '0')}`;
  return {
    name: `org-${repos}`,
    github: { owner: 'acme' },
    repositories: Array.from({ length: repos }, (_, i) => ({
      name: id(i),
      images: [`ghcr.io/acme/${id(i)}`, `ghcr.io/acme/${id(i)}-debug`],
    })),
    signing: mode === 'key' ? { mode: 'key', key: { publicKeyFile: 'cosign.pub' } } : { mode: 'keyless' },
    clusters: [
      { name: 'prod-eu', kyverno: { policy: 'ClusterPolicy', version: '1.16' } },
      { name: 'prod-us', kyverno: { policy: 'ClusterPolicy', version: '1.16' } },
    ],
  };
}

/** Writes blueprint.yaml + cosign.pub into dir; returns the config path. */
function writeOrg(dir, repos, opts = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(path.join(dir, 'cosign.pub'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const file = path.join(dir, 'blueprint.yaml');
  fs.writeFileSync(file, stringify(orgConfig(repos, opts)));
  return file;
}

module.exports = { orgConfig, writeOrg };

if (require.main === module) {
  const [dir, n, mode] = process.argv.slice(2);
  console.log(writeOrg(dir, Number(n), { mode: mode ?? 'key' }));
}

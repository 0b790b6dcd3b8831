import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { editWorkflow, findingsFor } from './harness';
import { memoryIo } from '../../../src/cli/io';
import { main } from '../../../src/cli/main';
import { validateConfig } from '../../../src/config/load';
import { DEFAULT_PINS, PINS_CHECKED } from '../../../src/config/pins';
import { ConfigError } from '../../../src/config/problems';
import {
  KNOWN_ACTION_RUNTIMES, pinRuntime, RUNNER_RUNTIMES, runtimeStatus, RUNTIME_WARNING_DAYS,
} from '../../../src/github/action-runtimes';
import { keyConfig, projectDir } from '../../support/fixtures';

const DAY = 24 * 60 * 60 * 1000;
const node20 = RUNNER_RUNTIMES.find((r) => r.runtime === 'node20')!;
const NODE20_REMOVED = new Date(`${node20.removed}T00:00:00Z`);
/** the day the pins were last checked, after the Node 20 removal */
const CHECKED = new Date(`${PINS_CHECKED}T12:00:00Z`);

// actions/checkout v4.2.2 (runs.using: node20), the blueprint's pin before issue 22
const CHECKOUT_V4 = { sha: '11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' };

const withPins = (actionPins: Record<string, any>) => keyConfig({ github: { owner: 'acme', actionPins } });
const run = (config: any, now: Date) => findingsFor('ISB-WF-005', config, () => {}, { now });

describe('the runtime facts', () => {
  test('Node 20 leaves the hosted runners on 2026-09-16 (actions/runner Constants.cs Node20RemovalDate)', () => {
    expect(node20.removed).toBe('2026-09-16');
    expect(node20.source).toMatch(/actions\/runner/);
    expect(RUNNER_RUNTIMES.find((r) => r.runtime === 'node24')!.removed).toBeUndefined();
    for (const f of RUNNER_RUNTIMES) expect(f.source.length).toBeGreaterThan(10);
  });

  test('status: removed on and after the date, a warning within the warning window, ok before', () => {
    expect(runtimeStatus('node20', NODE20_REMOVED)).toBe('removed');
    expect(runtimeStatus('node20', new Date(NODE20_REMOVED.getTime() - 1))).toBe('soon');
    expect(runtimeStatus('node20', new Date(NODE20_REMOVED.getTime() - RUNTIME_WARNING_DAYS * DAY))).toBe('soon');
    expect(runtimeStatus('node20', new Date(NODE20_REMOVED.getTime() - RUNTIME_WARNING_DAYS * DAY - 1))).toBe('ok');
    expect(runtimeStatus('node16', CHECKED)).toBe('removed');
    expect(runtimeStatus('node12', CHECKED)).toBe('removed');
    expect(runtimeStatus('node24', CHECKED)).toBe('ok');
    expect(runtimeStatus('composite', CHECKED)).toBe('ok');
    expect(runtimeStatus('node99', CHECKED)).toBe('unknown');
  });

  test('every default pin states a runtime the runners provide on the day it was checked', () => {
    for (const [key, pin] of Object.entries(DEFAULT_PINS)) {
      expect([key, pin.runtime]).toEqual([key, expect.stringMatching(/^(node24|docker|composite)$/)]);
      expect([key, runtimeStatus(pin.runtime!, CHECKED)]).toEqual([key, 'ok']);
      // and the release table agrees with the pin map
      expect([key, pinRuntime({ ...pin, runtime: undefined }).runtime]).toEqual([key, pin.runtime]);
    }
  });

  test('the release table covers the old pins: checkout v4 is node20, build-push v6 node20, sbom v0.23 node20', () => {
    expect(pinRuntime({ action: 'actions/checkout', ...CHECKOUT_V4 })).toEqual({ runtime: 'node20', from: 'table' });
    expect(pinRuntime({ action: 'docker/build-push-action', sha: '10e90e3645eae34f1e60eeb005ba3a3d33f178e8', version: 'v6.19.2' }).runtime).toBe('node20');
    expect(pinRuntime({ action: 'anchore/sbom-action', sha: '17ae1740179002c89186b61233e0f892c3118b11', version: 'v0.23.0' }).runtime).toBe('node20');
    expect(pinRuntime({ action: 'actions/checkout', sha: 'a'.repeat(40), version: 'main' })).toEqual({ from: 'unknown' });
    for (const k of KNOWN_ACTION_RUNTIMES) expect(k.runtime).toMatch(/^(node\d+|docker|composite)$/);
  });
});

describe('ISB-WF-005: pinned actions on runtimes the hosted runners dropped', () => {
  test('the default pins pass, today and on the day they were checked', () => {
    expect(run(keyConfig(), CHECKED)).toEqual([]);
    expect(run(keyConfig({ attestations: { sbom: { format: 'cyclonedx' }, provenance: true } }), CHECKED)).toEqual([]);
    expect(run(keyConfig(), new Date()).filter((f) => f.level === 'error')).toEqual([]);
  });

  test('a node20 pin given through github.actionPins is an error after the removal date', () => {
    const f = run(withPins({ checkout: CHECKOUT_V4 }), CHECKED);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: 'ISB-WF-005', level: 'error', path: 'github.actionPins.checkout' });
    expect(f[0].message).toContain('actions/checkout@v4.2.2');
    expect(f[0].message).toContain('node20');
    expect(f[0].message).toContain('2026-09-16');
  });

  test('the runtime stated in github.actionPins wins over the release table', () => {
    const f = run(withPins({ login: { sha: 'c'.repeat(40), version: 'v9.0.0', runtime: 'node16' } }), CHECKED);
    expect(f.map((x) => [x.level, x.path])).toEqual([['error', 'github.actionPins.login']]);
    expect(run(withPins({ checkout: { ...CHECKOUT_V4, runtime: 'node24' } }), CHECKED)).toEqual([]);
  });

  test(`a warning within ${RUNTIME_WARNING_DAYS} days before the removal, nothing earlier`, () => {
    const near = new Date(NODE20_REMOVED.getTime() - 30 * DAY);
    const f = run(withPins({ checkout: CHECKOUT_V4 }), near);
    expect(f.map((x) => [x.level, x.path])).toEqual([['warning', 'github.actionPins.checkout']]);
    expect(f[0].message).toContain('2026-09-16');
    expect(run(withPins({ checkout: CHECKOUT_V4 }), new Date(NODE20_REMOVED.getTime() - (RUNTIME_WARNING_DAYS + 10) * DAY))).toEqual([]);
  });

  test('a current pin given through github.actionPins passes', () => {
    const current = { sha: 'd'.repeat(40), version: 'v7.9.0' }; // in the v7 range: node24
    expect(run(withPins({ checkout: current }), CHECKED)).toEqual([]);
  });

  test('a pin whose runtime is unknown is a warning that says how to state it', () => {
    const f = run(withPins({ checkout: { sha: 'e'.repeat(40), version: 'nightly' } }), CHECKED);
    expect(f.map((x) => [x.level, x.path])).toEqual([['warning', 'github.actionPins.checkout']]);
    expect(f[0].message).toContain('not known');
    expect(f[0].fix).toContain('runtime');
    expect(f[0].fix).toContain('github.actionPins.checkout');
  });

  test('a stale pin the workflow does not use is still reported (setup-qemu with one platform)', () => {
    const f = run(withPins({ 'setup-qemu': { sha: 'c7c53464625b32c7a7e944ae62b3e17d2b600130', version: 'v3.7.0' } }), CHECKED);
    expect(f.map((x) => [x.level, x.path])).toEqual([['error', 'github.actionPins.setup-qemu']]);
  });

  test('an action added to the final workflow outside the pin map is noted (info), not judged', () => {
    const f = findingsFor('ISB-WF-005', keyConfig(), (a) => editWorkflow(a, (t) => t.replace(
      '      - name: Check out\n',
      `      - name: Extra\n        uses: acme/extra-action@${'f'.repeat(40)}\n      - name: Check out\n`,
    )), { now: CHECKED });
    expect(f.map((x) => x.level)).toEqual(['info']);
    expect(f[0].message).toContain('acme/extra-action');
  });

  test('a runtime that is not a runs.using value is a config error at its path', () => {
    try {
      validateConfig(withPins({ checkout: { ...CHECKOUT_V4, runtime: 'Node 24' } }));
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.path)).toEqual(['github.actionPins.checkout.runtime']);
    }
  });

  test('through the CLI: synth refuses a node20 pin and writes nothing; check --format json names it', async () => {
    const dir = projectDir({ 'blueprint.yaml': stringify(withPins({ checkout: CHECKOUT_V4 })) });
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth', '--out', 'dist'], io)).toBe(1);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    const json = memoryIo({ cwd: dir });
    expect(await main(['check', '--format', 'json'], json)).toBe(1);
    const out = JSON.parse(json.stdout());
    expect(out.summary.errors).toBe(1); // the stale pin is the only error: it is why synth refused
    const f = out.findings.filter((x: any) => x.id === 'ISB-WF-005');
    expect(f.map((x: any) => [x.level, x.path])).toEqual([['error', 'github.actionPins.checkout']]);
  });
});

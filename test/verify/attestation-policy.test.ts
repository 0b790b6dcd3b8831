import { cueConstraints, evaluateCipPolicy, evaluateKyvernoConditions } from '../../src/verify/attestation-policy';
import { predicateTypeUri } from '../../src/verify/predicates';

describe('attestation policies verify --config evaluates itself', () => {
  test('cosign --type shorthands map to the predicate URIs (cosign-formats.md §c); URIs pass verbatim; others are refused', () => {
    expect(predicateTypeUri('cyclonedx')).toBe('https://cyclonedx.org/bom');
    expect(predicateTypeUri('spdxjson')).toBe('https://spdx.dev/Document');
    expect(predicateTypeUri('spdx')).toBe('https://spdx.dev/Document');
    expect(predicateTypeUri('slsaprovenance1')).toBe('https://slsa.dev/provenance/v1');
    expect(predicateTypeUri('slsaprovenance')).toBe('https://slsa.dev/provenance/v0.2');
    expect(predicateTypeUri('https://example.com/p/v1')).toBe('https://example.com/p/v1');
    expect(() => predicateTypeUri('sbom')).toThrow(/unknown attestation type/);
  });

  test('Kyverno conditions: all/any over the predicate, Equals/NotEquals; other forms fail closed as unsupported', () => {
    const pred = { bomFormat: 'CycloneDX', metadata: { component: { name: 'web' } } };
    expect(evaluateKyvernoConditions([{ all: [{ key: '{{ bomFormat }}', operator: 'Equals', value: 'CycloneDX' }] }], pred).ok).toBe(true);
    expect(evaluateKyvernoConditions([{ all: [{ key: '{{ metadata.component.name }}', operator: 'NotEquals', value: 'x' }] }], pred).ok).toBe(true);
    const f = evaluateKyvernoConditions([{ all: [{ key: '{{ bomFormat }}', operator: 'Equals', value: 'SPDX' }] }], pred);
    expect([f.ok, f.unsupported]).toEqual([false, undefined]);
    expect(evaluateKyvernoConditions([{ any: [{ key: '{{ bomFormat }}', value: 'x' }, { key: '{{ bomFormat }}', value: 'CycloneDX' }] }], pred).ok).toBe(true);
    expect(evaluateKyvernoConditions([{ any: [{ key: '{{ bomFormat }}', value: 'x' }] }], pred).ok).toBe(false);
    const jp = evaluateKyvernoConditions([{ all: [{ key: '{{ components[0].name }}', operator: 'Equals', value: 'x' }] }], pred);
    expect([jp.ok, jp.unsupported]).toEqual([false, true]);
    const op = evaluateKyvernoConditions([{ all: [{ key: '{{ bomFormat }}', operator: 'AnyIn', value: ['x'] }] }], pred);
    expect([op.ok, op.unsupported]).toEqual([false, true]);
    // a missing field never equals
    expect(evaluateKyvernoConditions([{ all: [{ key: '{{ nope }}', operator: 'Equals', value: 'null' }] }], pred).ok).toBe(false);
  });

  test('CUE subset: the blueprint\'s predicateType and provenance policies; URLs with // are not comments', () => {
    const provenance = [
      'predicateType: "https://slsa.dev/provenance/v1"',
      'predicate: buildDefinition: {',
      '  buildType: "https://actions.github.io/buildtypes/workflow/v1" // GitHub',
      '  externalParameters: workflow: repository: "https://github.com/acme/web"',
      '}',
      '',
    ].join('\n');
    expect(cueConstraints(provenance)).toEqual([
      { path: ['predicateType'], value: 'https://slsa.dev/provenance/v1' },
      { path: ['predicate', 'buildDefinition', 'buildType'], value: 'https://actions.github.io/buildtypes/workflow/v1' },
      { path: ['predicate', 'buildDefinition', 'externalParameters', 'workflow', 'repository'], value: 'https://github.com/acme/web' },
    ]);
    const st = {
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1', externalParameters: { workflow: { repository: 'https://github.com/acme/web' } } } },
    };
    expect(evaluateCipPolicy({ type: 'cue', data: provenance }, st).ok).toBe(true);
    const evil = JSON.parse(JSON.stringify(st));
    evil.predicate.buildDefinition.externalParameters.workflow.repository = 'https://github.com/acme/web-evil';
    const r = evaluateCipPolicy({ type: 'cue', data: provenance }, evil);
    expect([r.ok, r.unsupported]).toEqual([false, undefined]);
    expect(r.reason).toContain('web-evil');
    // anything beyond string constraints is not evaluated (fails closed)
    expect(evaluateCipPolicy({ type: 'cue', data: 'predicate: x: >= 3\n' }, st)).toMatchObject({ ok: false, unsupported: true });
    expect(evaluateCipPolicy({ type: 'rego', data: 'package x' }, st)).toMatchObject({ ok: false, unsupported: true });
    expect(evaluateCipPolicy({ type: 'cue', data: 'a: {\n' }, st)).toMatchObject({ ok: false, unsupported: true });
  });
});

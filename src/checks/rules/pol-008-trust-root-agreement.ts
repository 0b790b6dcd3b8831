import { SigningMode } from '../../config/types';
import { DEFAULTS } from '../../model/build';
import { RepositoryModel } from '../../model/model';
import { CheckContext, RawFinding, Rule } from '../types';
import {
  CosignCall, cosignCalls, isGitHubAttestationAuthority, isGitHubAttestationEntry, ivpolGitHubAttestors, kyvernoAttestorEntries, kyvernoEntries,
  objectsOfKind,
} from '../views';
import { clusterPath, guardedRepositories, q } from './util';

/*
 * A keyless signature verifies only when the policy trusts the CA that issued the workflow's
 * certificate (its Fulcio) and, with the tlog on, the key of the Rekor the workflow uploads to.
 * The workflow names its services by URL (`--fulcio-url`/`--rekor-url`, or the `--fulcio`/`--rekor`
 * services of a generated signing config; none: the public instance), the policies carry trust
 * material (Kyverno ClusterPolicy `keyless.roots`/`rekor.pubkey`, ImageValidatingPolicy
 * `cosign.trustedRoot.value`, a policy-controller TrustRoot named by `trustRootRef`; none: the
 * engine's default, the public Sigstore root from its TUF repository). The blueprint's trusted root
 * file links the two: its certificate authorities and transparency logs carry the URL and the
 * certificates/keys of each service.
 */

/** what one side trusts or uses: the public instance, or these certificates/keys (base64 DER) */
type Material = { readonly kind: 'public' } | { readonly kind: 'own'; readonly der: ReadonlySet<string>; readonly what: string };
const PUBLIC: Material = { kind: 'public' };

const norm = (b64: string) => Buffer.from(b64.replace(/\s+/g, ''), 'base64').toString('base64');

/** base64 DER of every PEM block in a text */
function pemDers(pem: unknown): string[] {
  return [...String(pem ?? '').matchAll(/-----BEGIN [A-Z ]+-----([\s\S]+?)-----END [A-Z ]+-----/g)].map((m) => norm(m[1]));
}

function own(der: string[], what: string): Material {
  return { kind: 'own', der: new Set(der), what };
}

/** The certificates / keys of a TrustedRoot JSON document, by service. */
interface RootMaterial {
  readonly cas: string[];
  readonly tlogs: string[];
  /** the chain(s) of the certificate authorities at this URI, or undefined when none */
  caFor(url: string): string[] | undefined;
  /** the key(s) of the transparency logs at this base URL, or undefined when none */
  tlogFor(url: string): string[] | undefined;
}

/**
 * A service's identity in a URL: host[:port] and path, without the scheme (a trusted root's
 * `baseUrl` is informational: verifiers find a log by its key ID, a CA by its certificates).
 */
function serviceId(url: unknown): string {
  const s = String(url ?? '');
  try {
    const u = new URL(s);
    return `${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '').toLowerCase();
  }
}

function rootMaterial(doc: any): RootMaterial {
  const cas: any[] = doc?.certificateAuthorities ?? [];
  const tlogs: any[] = doc?.tlogs ?? [];
  const same = (a: unknown, b: string) => serviceId(a) === serviceId(b);
  const caDers = (c: any) => (c?.certChain?.certificates ?? []).map((x: any) => norm(String(x?.rawBytes ?? '')));
  const keyDer = (t: any) => norm(String(t?.publicKey?.rawBytes ?? ''));
  return {
    cas: cas.flatMap(caDers),
    tlogs: tlogs.map(keyDer),
    caFor: (url) => {
      const m = cas.filter((c) => same(c?.uri, url));
      return m.length > 0 ? m.flatMap(caDers) : undefined;
    },
    tlogFor: (url) => {
      const m = tlogs.filter((t) => same(t?.baseUrl, url));
      return m.length > 0 ? m.map(keyDer) : undefined;
    },
  };
}

/** the services one repository's workflow signs with: Fulcio URL, and the Rekor URL when it uploads */
interface Services {
  readonly fulcio: string;
  readonly rekor?: string;
}

function serviceUrl(flag: string | true | undefined): string | undefined {
  if (typeof flag !== 'string') return undefined;
  return /(?:^|,)url=([^,]+)/.exec(flag)?.[1];
}

/** the distinct Fulcio/Rekor pairs of one repository's keyless `cosign sign`/`cosign attest` calls (`calls`: that repository's) */
function workflowServices(calls: readonly CosignCall[]): Services[] {
  const out = new Map<string, Services>();
  for (const c of calls) {
    if ((c.sub !== 'sign' && c.sub !== 'attest') || c.flags.has('--key')) continue;
    let fulcio = typeof c.flags.get('--fulcio-url') === 'string' ? String(c.flags.get('--fulcio-url')) : DEFAULTS.fulcioUrl;
    let rekor: string | undefined = typeof c.flags.get('--rekor-url') === 'string' ? String(c.flags.get('--rekor-url')) : DEFAULTS.rekorUrl;
    if (c.flags.get('--tlog-upload') === 'false') rekor = undefined;
    const config = c.flags.get('--signing-config');
    if (typeof config === 'string') {
      const create = calls.find((x) => x.sub === 'signing-config' && x.args[0] === 'create'
        && x.step.file === c.step.file && x.flags.get('--out') === config);
      if (!create) continue; // ISB-POL-004 reports a signing config no step creates
      fulcio = serviceUrl(create.flags.get('--fulcio')) ?? DEFAULTS.fulcioUrl;
      rekor = serviceUrl(create.flags.get('--rekor'));
    }
    out.set(`${fulcio} ${rekor}`, { fulcio, rekor });
  }
  return [...out.values()];
}

/** what a policy trusts, per engine, for one keyless verifier */
interface PolicyTrust {
  readonly cluster: string;
  /** the policy object or Kyverno entry, as the engines' pattern index names it (whose images it guards) */
  readonly guard: string;
  /** the verifier, for messages */
  readonly where: string;
  readonly ca: Material;
  /** undefined when the verifier ignores the tlog */
  readonly rekor?: Material;
  /** the trust material the policy names cannot be found */
  readonly missing?: string;
}

function policyTrusts(ctx: CheckContext): PolicyTrust[] {
  const out: PolicyTrust[] = [];
  for (const e of kyvernoEntries(ctx.artifacts)) {
    if (isGitHubAttestationEntry(e.entry)) continue;
    for (const a of kyvernoAttestorEntries(e.entry)) {
      const k = a.keyless;
      if (!k) continue;
      const roots = pemDers(k.roots);
      const rekorKeys = pemDers(k.rekor?.pubkey);
      out.push({
        cluster: e.cluster,
        guard: e.where,
        where: e.where,
        ca: roots.length > 0 ? own(roots, 'keyless.roots') : PUBLIC,
        rekor: k.rekor?.ignoreTlog === true ? undefined : rekorKeys.length > 0 ? own(rekorKeys, 'keyless.rekor.pubkey') : PUBLIC,
      });
    }
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
    const github = ivpolGitHubAttestors(p.policy);
    for (const a of p.policy.spec?.attestors ?? []) {
      const c = a.cosign;
      if (!c?.keyless || github.has(a.name) || c.tuf !== undefined) continue; // a TUF mirror: fetched by Kyverno at run time
      const where = `${p.where} attestors.${a.name}`;
      let ca: Material = PUBLIC;
      let rekor: Material = PUBLIC;
      if (c.trustedRoot?.value !== undefined) {
        let doc: any;
        try {
          doc = JSON.parse(String(c.trustedRoot.value));
        } catch {
          continue; // not JSON: the engine rejects the policy; ISB-CFG-001 / the schema checks say so
        }
        const m = rootMaterial(doc);
        ca = own(m.cas, 'cosign.trustedRoot.value certificateAuthorities');
        rekor = own(m.tlogs, 'cosign.trustedRoot.value tlogs');
      }
      out.push({ cluster: p.cluster, guard: p.where, where, ca, rekor: c.ctlog?.insecureIgnoreTlog === true ? undefined : rekor });
    }
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
    const trustRoots = (ctx.artifacts.clusterObjects.get(p.cluster) ?? []).filter((o: any) => o?.kind === 'TrustRoot');
    for (const a of p.policy.spec?.authorities ?? []) {
      if (!a.keyless || isGitHubAttestationAuthority(a)) continue;
      const where = `${p.where} authorities.${a.name}`;
      const fromTrustRoot = (ref: unknown, field: 'certificateAuthorities' | 'tLogs', label: string): Material | string => {
        if (ref === undefined) return PUBLIC;
        const tr = trustRoots.find((o: any) => o.metadata?.name === ref);
        if (!tr) return `trustRootRef ${q(ref)} names a TrustRoot the cluster's manifests do not contain`;
        if (tr.spec?.sigstoreKeys === undefined) return ''; // remote/repository TrustRoot: fetched by policy-controller, not checked here
        const items: any[] = tr.spec.sigstoreKeys[field] ?? [];
        const der = items.flatMap((x) => pemDers(Buffer.from(String((field === 'tLogs' ? x.publicKey : x.certChain) ?? ''), 'base64').toString('utf8')));
        return own(der, `TrustRoot/${ref} ${label}`);
      };
      const ca = fromTrustRoot(a.keyless.trustRootRef, 'certificateAuthorities', 'certificateAuthorities');
      // no ctlog on an authority: the tlog is not verified (admission-engines.md §4.1)
      const rekor = a.ctlog === undefined ? undefined : fromTrustRoot(a.ctlog.trustRootRef, 'tLogs', 'tLogs');
      if (typeof ca === 'string' || typeof rekor === 'string') {
        const why = [ca, rekor].filter((x) => typeof x === 'string' && x !== '');
        if (why.length > 0) out.push({ cluster: p.cluster, guard: p.where, where, ca: PUBLIC, missing: String(why[0]) });
        continue;
      }
      out.push({ cluster: p.cluster, guard: p.where, where, ca, rekor });
    }
  }
  return out;
}

export const ISB_POL_008: Rule = {
  id: 'ISB-POL-008',
  level: 'error',
  title: 'The policies\' Sigstore trust root does not know the workflow\'s Fulcio or Rekor',
  explanation: 'A keyless certificate is accepted only when it chains to a certificate authority the policy trusts, and '
    + 'its Rekor entry only when the policy knows that log\'s key. The workflow names its Fulcio and Rekor by URL '
    + '(signing.keyless.fulcioUrl / rekorUrl, the public instance by default); each engine trusts the material the policy '
    + 'carries (Kyverno keyless.roots and rekor.pubkey, ImageValidatingPolicy cosign.trustedRoot, a policy-controller '
    + 'TrustRoot) or, without any, the public Sigstore root. When the trusted root file lists other services than the '
    + 'workflow uses, or a private Fulcio is used without a trusted root, every image is rejected at admission.',
  fix: 'Make signing.keyless.trustedRootFile the trusted root of the Fulcio and Rekor in signing.keyless.fulcioUrl / rekorUrl '
    + '(`cosign trusted-root create --fulcio="url=<fulcioUrl>,certificate-chain=…" --rekor="url=<rekorUrl>,public-key=…"`), '
    + 'and let the blueprint render the policies from it.',
  check(ctx) {
    const out: RawFinding[] = [];
    const keyless = ctx.model.repositories.filter((r) => r.signing.mode === SigningMode.KEYLESS);
    if (keyless.length === 0) return out;
    const signingPath = (r: RepositoryModel) => (r.signing.isDefault ? 'signing.keyless' : `${r.path}.signing.keyless`);
    const rootOf = (r: RepositoryModel) => {
      const json = r.signing.keyless?.trustedRoot?.json;
      if (json === undefined) return undefined;
      try {
        return rootMaterial(JSON.parse(json));
      } catch {
        return undefined;
      }
    };
    const rootName = (r: RepositoryModel) => (r.signing.keyless?.trustedRootFile ? `the trusted root file ${q(r.signing.keyless.trustedRootFile)}` : undefined);

    /** the signer side of one service: public, its material from the trusted root file, or unknown (a message) */
    const signerMaterial = (r: RepositoryModel, service: 'Fulcio' | 'Rekor', url: string): Material | string => {
      const root = rootOf(r);
      const found = root ? (service === 'Fulcio' ? root.caFor(url) : root.tlogFor(url)) : undefined;
      if (found) return own(found, `${rootName(r)} (${service} ${url})`);
      const isPublic = serviceId(url) === serviceId(service === 'Fulcio' ? DEFAULTS.fulcioUrl : DEFAULTS.rekorUrl);
      if (isPublic) return PUBLIC;
      return rootName(r)
        ? `${rootName(r)} lists no ${service === 'Fulcio' ? 'certificate authority' : 'transparency log'} at ${url}`
        : `no trusted root file is configured (signing.keyless.trustedRootFile) for the private ${service} ${url}`;
    };

    const reported = new Set<string>();
    // each repository's cosign calls and the policies guarding it, gathered once (not per repository × policy)
    const callsOf = new Map<string, CosignCall[]>();
    for (const c of cosignCalls(ctx.artifacts)) {
      const list = callsOf.get(c.step.repo);
      if (list) list.push(c);
      else callsOf.set(c.step.repo, [c]);
    }
    const policiesOf = new Map<RepositoryModel, PolicyTrust[]>();
    for (const p of policyTrusts(ctx)) {
      for (const r of guardedRepositories(ctx, p.guard)) {
        const list = policiesOf.get(r);
        if (list) list.push(p);
        else policiesOf.set(r, [p]);
      }
    }
    for (const r of keyless) {
      for (const s of workflowServices(callsOf.get(r.name) ?? [])) {
        const services: ['Fulcio' | 'Rekor', string][] = [['Fulcio', s.fulcio]];
        if (s.rekor !== undefined) services.push(['Rekor', s.rekor]);
        for (const [service, url] of services) {
          const mine = signerMaterial(r, service, url);
          if (typeof mine === 'string') {
            const key = `${r.name} ${service} ${url}`;
            if (!reported.has(key)) {
              reported.add(key);
              out.push({ path: signingPath(r), message: `repository ${q(r.name)}: the workflow signs with ${service} ${url}, but ${mine}: no policy can verify its ${service === 'Fulcio' ? 'certificates' : 'log entries'}` });
            }
            continue;
          }
          for (const p of policiesOf.get(r) ?? []) {
            if (p.missing !== undefined) {
              if (!reported.has(p.where)) out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where}: ${p.missing}` });
              reported.add(p.where);
              continue;
            }
            const theirs = service === 'Fulcio' ? p.ca : p.rekor;
            if (theirs === undefined) continue; // the verifier ignores the tlog (ISB-POL-004 checks that agreement)
            const problem = disagreement(mine, theirs, service, url);
            if (problem) out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where}: ${problem} (repository ${q(r.name)})` });
          }
        }
      }
    }
    return out;
  },
};

function disagreement(mine: Material, theirs: Material, service: 'Fulcio' | 'Rekor', url: string): string | undefined {
  const noun = service === 'Fulcio' ? 'certificate authority' : 'log key';
  if (mine.kind === 'public' && theirs.kind === 'public') return undefined;
  if (mine.kind === 'public' && theirs.kind === 'own') {
    return `trusts only ${theirs.what}, but the workflow signs with the public ${service} ${url}`;
  }
  if (mine.kind === 'own' && theirs.kind === 'public') {
    return `names no ${noun} of its own, so the engine trusts the public Sigstore root, but the workflow signs with ${service} ${url} from ${mine.what}`;
  }
  if (mine.kind === 'own' && theirs.kind === 'own' && ![...mine.der].some((d) => theirs.der.has(d))) {
    return `${theirs.what} holds none of the ${service === 'Fulcio' ? 'certificates' : 'keys'} ${mine.what} lists for the workflow's ${service} ${url}`;
  }
  return undefined;
}

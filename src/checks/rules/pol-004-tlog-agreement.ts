import { RawFinding, Rule } from '../types';
import { cosignCalls, isGitHubAttestationEntry, ivpolGitHubAttestors, kyvernoAttestorEntries, kyvernoEntries, objectsOfKind } from '../views';
import { clusterPath, repoByName, signersAt } from './util';

export const ISB_POL_004: Rule = {
  id: 'ISB-POL-004',
  level: 'error',
  title: 'Transparency-log settings disagree between signer and verifiers',
  explanation: 'A signature made with --tlog-upload=false has no Rekor entry: a verifier that requires one rejects '
    + 'every image (Kyverno: rekor without ignoreTlog, and for keys also ctlog.ignoreSCT; ImageValidatingPolicy: '
    + 'insecureIgnoreTlog; cosign verify: --insecure-ignore-tlog). Conversely a verifier that ignores the log when '
    + 'the signer uploads gives up the log\'s protection for nothing.',
  fix: 'Set signing.transparencyLog once; the blueprint renders the signer and every verifier from it.',
  check(ctx) {
    const out: RawFinding[] = [];
    // each policy object against the signers of the repositories it guards; each cosign call against its repository's
    const uploadsAt = (where: string) => signersAt(ctx, where).map((s) => s.transparencyLog);
    const report = (path: string, where: string, ignores: boolean, uploads: boolean[] = uploadsAt(where)) => {
      const upload = uploads.every((u) => u);
      if (uploads.some((u) => !u) && !ignores) out.push({ path, message: `${where}: requires a transparency-log entry, but the workflow signs with --tlog-upload=false` });
      if (upload && ignores) out.push({ path, message: `${where}: ignores the transparency log although the workflow uploads to it` });
    };
    // GitHub provenance (actions/attest-build-provenance) is always logged in Rekor, whatever signing.transparencyLog says
    const GITHUB_ATTESTATION = [true];
    for (const e of kyvernoEntries(ctx.artifacts)) {
      const github = isGitHubAttestationEntry(e.entry);
      for (const a of kyvernoAttestorEntries(e.entry)) {
        const att = a.keys ?? a.keyless ?? a.certificates;
        if (!att) continue;
        if (github) {
          report(clusterPath(ctx.model, e.cluster), e.where, att.rekor?.ignoreTlog === true, GITHUB_ATTESTATION);
          continue;
        }
        report(clusterPath(ctx.model, e.cluster), e.where, att.rekor?.ignoreTlog === true);
        if (uploadsAt(e.where).some((u) => !u) && a.keys && att.ctlog?.ignoreSCT !== true) {
          out.push({ path: clusterPath(ctx.model, e.cluster), message: `${e.where}: key attestor without ctlog.ignoreSCT while nothing is uploaded` });
        }
      }
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
      const github = ivpolGitHubAttestors(p.policy);
      for (const a of p.policy.spec?.attestors ?? []) {
        if (a.cosign) report(clusterPath(ctx.model, p.cluster), `${p.where} attestors.${a.name}`, a.cosign.ctlog?.insecureIgnoreTlog === true, github.has(a.name) ? GITHUB_ATTESTATION : uploadsAt(p.where));
      }
      // verifyAttestationSignatures fails when cosign reports no verified tlog entry, whatever
      // insecureIgnoreTlog says (kyverno#17109; VerifyAttestationSignature in Kyverno 1.16.3 and 1.19.1,
      // seen with their CLIs in test/engines/verdict-parity.test.ts)
      if (uploadsAt(p.where).every((u) => u)) continue;
      for (const v of p.policy.spec?.validations ?? []) {
        const call = /verifyAttestationSignatures\(image,\s*attestations\.([A-Za-z0-9_-]+),\s*\[([^\]]*)\]\)/.exec(String(v?.expression ?? ''));
        if (!call) continue;
        const names = call[2].split(',').map((x) => x.trim().replace(/^attestors\./, '')).filter((x) => x !== '' && !github.has(x));
        if (names.length === 0) continue;
        out.push({
          path: clusterPath(ctx.model, p.cluster),
          message: `${p.where}: verifyAttestationSignatures(attestations.${call[1]}) with ${names.map((x) => `attestors.${x}`).join(', ')} needs a verified `
            + 'transparency-log entry even with insecureIgnoreTlog (kyverno#17109), but the workflow attests with --tlog-upload=false: every image is rejected',
        });
      }
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
      for (const a of p.policy.spec?.authorities ?? []) {
        // no ctlog on an authority = tlog verification skipped (admission-engines.md §4.1)
        const ignores = a.ctlog === undefined;
        if (a.key) report(clusterPath(ctx.model, p.cluster), `${p.where} authorities.${a.name}`, ignores, uploadsAt(p.where));
      }
    }
    for (const c of cosignCalls(ctx.artifacts)) {
      const upload = (repoByName(ctx.model, c.step.repo)?.signing ?? ctx.model.signing).transparencyLog;
      if (c.sub.startsWith('verify')) {
        const v = c.flags.get('--insecure-ignore-tlog');
        report(c.step.where, c.step.where, v === true || v === 'true', [upload]);
      }
      if (c.sub === 'sign' || c.sub === 'attest') {
        const v = c.flags.get('--tlog-upload');
        let off = v === 'false';
        const config = c.flags.get('--signing-config');
        if (typeof config === 'string') {
          // cosign 3 takes the services from the signing config: one without a Rekor service uploads nothing
          const create = cosignCalls(ctx.artifacts).find((x) => x.sub === 'signing-config' && x.args[0] === 'create'
            && x.step.repo === c.step.repo && x.step.file === c.step.file && x.flags.get('--out') === config);
          if (!create) {
            out.push({ path: c.step.where, level: 'warning', message: `${c.step.where}: cosign ${c.sub} reads the signing config ${config}, which no step of the workflow creates; its transparency log could not be checked` });
            continue;
          }
          off = !create.flags.has('--rekor');
        }
        if (off === upload) out.push({ path: c.step.where, message: `${c.step.where}: cosign ${c.sub} ${off ? 'does not upload' : 'uploads'} to the transparency log, but the blueprint says transparencyLog: ${upload}` });
      }
    }
    return out;
  },
};

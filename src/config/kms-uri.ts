/*
 * cosign KMS key references, parsed exactly as sigstore/sigstore spells them
 * (pkg/signature/kms/{aws,gcp,azure,hashivault}/client.go, `ValidReference`):
 * - awskms://[ENDPOINT]/KEY : KEY = key id (UUID, optional `mrk-` prefix), key ARN, `alias/NAME`
 *   or alias ARN; ENDPOINT (host[:port]) is optional and cosign reaches it over https.
 * - gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V | /versions/V]
 * - azurekms://VAULT_HOST/KEY_NAME[/VERSION] (VERSION lowercase hex/digits)
 * - hashivault://KEY_NAME (a transit key name: word characters, `-` and `.`, starting and
 *   ending with a word character); the transit mount comes from TRANSIT_SECRET_ENGINE_PATH.
 */

/** The cosign KMS providers. */
export enum KmsProvider {
  /** AWS KMS, `awskms://` */
  AWS = 'awskms',
  /** Google Cloud KMS, `gcpkms://` */
  GCP = 'gcpkms',
  /** Azure Key Vault, `azurekms://` */
  AZURE = 'azurekms',
  /** HashiCorp Vault (or OpenBao) transit engine, `hashivault://` */
  HASHIVAULT = 'hashivault',
}

/** A parsed KMS reference (internal). */
export interface ParsedKmsUri {
  readonly uri: string;
  readonly provider: KmsProvider;
  /** AWS: `host[:port]` given in the URI (empty = the regional AWS endpoint) */
  readonly endpoint?: string;
  /** AWS: key id, key ARN, `alias/NAME` or alias ARN; GCP: the key's resource name; Azure/Vault: key name */
  readonly keyId: string;
  /** AWS: region, when the URI is an ARN */
  readonly region?: string;
  /** AWS: account, when the URI is an ARN */
  readonly account?: string;
  /** GCP: project / location / key ring */
  readonly project?: string;
  readonly location?: string;
  readonly keyRing?: string;
  /** GCP/Azure: pinned key version, when given */
  readonly version?: string;
  /** Azure: vault host, e.g. `myvault.vault.azure.net` */
  readonly vaultHost?: string;
}

const AWS_UUID = 'm?r?k?-?[A-Fa-f0-9]{8}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{12}';
const AWS_ARN = 'arn:(?:aws|aws-us-gov|aws-cn):kms:([a-z0-9-]+):(\\d{12}):';
const AWS_RES = [
  new RegExp(`^awskms://([^/]*)/(${AWS_UUID})$`),
  new RegExp(`^awskms://([^/]*)/(${AWS_ARN}key/${AWS_UUID})$`),
  new RegExp('^awskms://([^/]*)/(alias/.*)$'),
  new RegExp(`^awskms://([^/]*)/(${AWS_ARN}alias/.*)$`),
];
const GCP_RE = /^gcpkms:\/\/projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/]+)(?:\/(?:cryptoKeyVersions|versions)\/([^/]+))?$/;
const AZURE_RE = /^azurekms:\/\/([^/]+)\/([^/]+)(\/[a-z0-9]*)?$/;
const VAULT_RE = /^hashivault:\/\/(\w(?:[\w.-]*\w)?)$/;

const FORMS: Record<KmsProvider, string> = {
  [KmsProvider.AWS]: 'awskms:///alias/NAME, awskms:///KEY_ID, awskms:///arn:aws:kms:REGION:ACCOUNT:key/KEY_ID (or :alias/NAME), optionally with an endpoint: awskms://HOST:PORT/alias/NAME',
  [KmsProvider.GCP]: 'gcpkms://projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY[/cryptoKeyVersions/N]',
  [KmsProvider.AZURE]: 'azurekms://VAULT.vault.azure.net/KEY_NAME[/VERSION]',
  [KmsProvider.HASHIVAULT]: 'hashivault://KEY_NAME (the transit key name; the mount is kmsAuth.vault.transitPath)',
};

/** The accepted forms of one provider's references, for messages. */
export function kmsUriForms(provider: KmsProvider): string {
  return FORMS[provider];
}

/** The provider of a URI's scheme, or undefined when it is not one of cosign's four KMS schemes. */
export function kmsProviderOf(uri: string): KmsProvider | undefined {
  const m = /^([a-z]+):\/\//.exec(uri);
  return m && (Object.values(KmsProvider) as string[]).includes(m[1]) ? m[1] as KmsProvider : undefined;
}

/** Parses a cosign KMS reference; a string explains what is wrong (no exception). */
export function parseKmsUri(uri: string): ParsedKmsUri | string {
  const provider = kmsProviderOf(uri);
  if (!provider) {
    return 'is not a cosign KMS key reference: the scheme must be awskms://, gcpkms://, azurekms:// or hashivault://';
  }
  const bad = `is not a valid ${provider}:// reference; cosign accepts ${FORMS[provider]}`;
  switch (provider) {
    case KmsProvider.AWS: {
      for (const re of AWS_RES) {
        const m = re.exec(uri);
        if (!m) continue;
        const arn = /^arn:[^:]+:kms:([a-z0-9-]+):(\d{12}):/.exec(m[2]);
        if (m[2] === 'alias/' || /^alias\/aws\//.test(m[2].replace(/^arn:[^:]+:kms:[^:]+:\d+:/, ''))) {
          return `${bad} (alias/aws/… names AWS-managed keys, which cannot sign)`;
        }
        return { uri, provider, endpoint: m[1] || undefined, keyId: m[2], region: arn?.[1], account: arn?.[2] };
      }
      return bad;
    }
    case KmsProvider.GCP: {
      const m = GCP_RE.exec(uri);
      if (!m) return bad;
      return { uri, provider, project: m[1], location: m[2], keyRing: m[3], keyId: uri.slice('gcpkms://'.length), version: m[5] };
    }
    case KmsProvider.AZURE: {
      const m = AZURE_RE.exec(uri);
      if (!m) return bad;
      return { uri, provider, vaultHost: m[1], keyId: m[2], version: m[3] ? m[3].slice(1) || undefined : undefined };
    }
    case KmsProvider.HASHIVAULT: {
      const m = VAULT_RE.exec(uri);
      if (!m) return bad;
      return { uri, provider, keyId: m[1] };
    }
  }
}

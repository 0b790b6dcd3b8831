/**
 * Actions secret names: the ones `cosign generate-key-pair github://owner/repo` creates
 * (cosign-formats.md, "COSIGN_PASSWORD and key references"), so both tools interoperate.
 */
export const SECRET_NAMES = {
  privateKey: 'COSIGN_PRIVATE_KEY',
  password: 'COSIGN_PASSWORD',
  publicKey: 'COSIGN_PUBLIC_KEY',
} as const;

/** Terraform variables that carry the secret values at apply time (`TF_VAR_<name>`). */
export const TF_VARIABLES = {
  privateKey: 'cosign_private_key',
  password: 'cosign_password',
} as const;

/** Secrets holding credentials for a registry other than GHCR, e.g. `REGISTRY_DOCKER_IO_USERNAME`. */
export function registrySecretNames(registry: string): { username: string; password: string } {
  const prefix = 'REGISTRY_' + registry.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return { username: `${prefix}_USERNAME`, password: `${prefix}_PASSWORD` };
}

/**
 * The three signing secrets sealed at synth (libsodium `crypto_box_seal`, base64) to one GitHub
 * Actions secrets public key; they are provisioned with `encrypted_value`, so neither the
 * synthesized files nor the Terraform state hold the plaintext.
 */
export interface SealedSigningSecrets {
  /** `key_id` of the Actions public key the values are sealed to (checked at apply time). */
  readonly keyId: string;
  /** The Actions public key (base64) the values are sealed to. */
  readonly key: string;
  /** Sealed content of cosign.key (the encrypted PEM as-is), for COSIGN_PRIVATE_KEY. */
  readonly privateKey: string;
  /** Sealed password of cosign.key, for COSIGN_PASSWORD. */
  readonly password: string;
  /** Sealed public key PEM, for COSIGN_PUBLIC_KEY. */
  readonly publicKey: string;
}

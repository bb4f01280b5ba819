import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify';
import { invalidField } from '../../platform/errors.js';
import type { Provenance } from './integrity.schemas.js';
import { PUBLIC_GOOD_TRUSTED_ROOT } from './sigstore-trusted-root.js';

const IN_TOTO = 'application/vnd.in-toto+json';
const MAX_SUBJECTS = 10_000;

/** Trust material from a trusted_root.json file, or from the pinned public-good root when none is named. */
export function loadTrustMaterial(path: string | null): TrustMaterial {
  if (!path) return toTrustMaterial(TrustedRoot.fromJSON(PUBLIC_GOOD_TRUSTED_ROOT));
  try {
    return toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(readFileSync(path, 'utf8'))));
  } catch (error) {
    throw new Error(`the Sigstore trusted root ${path} cannot be read: ${(error as Error).message}`);
  }
}

interface Statement {
  subject?: Array<{ name?: unknown; digest?: Record<string, unknown> }>;
  predicateType?: unknown;
  predicate?: { runDetails?: { builder?: { id?: unknown } }; builder?: { id?: unknown }; buildDefinition?: { externalParameters?: { workflow?: { repository?: unknown } } }; invocation?: { configSource?: { uri?: unknown } } };
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * Verifies Sigstore bundles fully offline with @sigstore/verify: the signing certificate chains to
 * a certificate authority of the trusted root and carries a valid SCT, the transparency-log entry's
 * inclusion promise is signed by a trusted log and matches the signature, and the signature holds.
 * The bundle must also name the artifact: a DSSE in-toto statement through a subject digest
 * (SHA-256 or SHA-512), a message signature through its message digest.
 */
export class SigstoreVerifier {
  private readonly verifier: Verifier;

  constructor(trust: TrustMaterial) {
    this.verifier = new Verifier(trust);
  }

  verify(input: unknown, digests: { sha256: string; sha512: string | null }, field = '/'): Provenance {
    let bundle: Bundle;
    try {
      bundle = bundleFromJSON(input);
    } catch (error) {
      throw invalidField(field, `not a Sigstore bundle: ${(error as Error).message}`);
    }
    const binding = this.binding(bundle, digests, field);
    let signer;
    try {
      signer = this.verifier.verify(toSignedEntity(bundle));
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw invalidField(field, `the Sigstore bundle does not verify against the trusted root: ${(error as Error).message}${code ? ` (${code})` : ''}`);
    }
    const material = bundle.verificationMaterial.content;
    const certificate =
      material.$case === 'certificate' ? material.certificate.rawBytes : material.$case === 'x509CertificateChain' ? material.x509CertificateChain.certificates[0]?.rawBytes : undefined;
    const identity = signer.identity?.subjectAlternativeName ?? (certificate ? new X509Certificate(Buffer.from(certificate)).subjectAltName ?? null : null) ?? (material.$case === 'publicKey' ? material.publicKey.hint : null);
    const integrated = bundle.verificationMaterial.tlogEntries.map((e) => Number(e.integratedTime)).filter((t) => t > 0);
    return {
      status: 'verified',
      bundleType: bundle.content.$case === 'dsseEnvelope' ? 'dsse' : 'message-signature',
      identity,
      issuer: signer.identity?.extensions?.issuer ?? null,
      ...binding,
      signedAt: integrated.length ? new Date(Math.min(...integrated) * 1000).toISOString() : null,
      verifiedAt: new Date().toISOString(),
    };
  }

  /** What ties the bundle to these bytes; refuses a bundle about something else. */
  private binding(bundle: Bundle, digests: { sha256: string; sha512: string | null }, field: string): Pick<Provenance, 'predicateType' | 'builder' | 'sourceRepository' | 'subjects'> {
    if (bundle.content.$case === 'messageSignature') {
      // A message signature covers the file's bytes, which a registration does not have; its digest names the file.
      const { messageDigest } = bundle.content.messageSignature;
      const digest = messageDigest ? Buffer.from(messageDigest.digest).toString('hex') : '';
      if (digest !== digests.sha256 && digest !== digests.sha512) {
        throw invalidField(field, `the bundle signs the digest ${digest || '(none)'}, not this artifact's SHA-256 ${digests.sha256}`);
      }
      throw invalidField(field, 'a message-signature bundle signs the file\'s bytes, which are not kept: register a DSSE (in-toto attestation) bundle, e.g. SLSA provenance');
    }
    const envelope = bundle.content.dsseEnvelope;
    if (envelope.payloadType !== IN_TOTO) throw invalidField(field, `the DSSE payload type is ${envelope.payloadType}, not an in-toto statement (${IN_TOTO})`);
    let statement: Statement;
    try {
      statement = JSON.parse(Buffer.from(envelope.payload).toString('utf8')) as Statement;
    } catch {
      throw invalidField(field, 'the DSSE payload is not JSON');
    }
    if (!statement || typeof statement !== 'object' || !Array.isArray(statement.subject) || statement.subject.length > MAX_SUBJECTS) {
      throw invalidField(field, 'the in-toto statement has no subject list');
    }
    const subjects = statement.subject.map((s) => ({
      name: text(s?.name) ?? '',
      digest: Object.fromEntries(Object.entries(s?.digest && typeof s.digest === 'object' ? s.digest : {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
    }));
    const names = subjects.some((s) => s.digest.sha256?.toLowerCase() === digests.sha256 || (digests.sha512 !== null && s.digest.sha512?.toLowerCase() === digests.sha512));
    if (!names) throw invalidField(field, `the in-toto statement's subjects (${subjects.length}) do not include this artifact's SHA-256 ${digests.sha256}`);
    const predicate = statement.predicate ?? {};
    return {
      predicateType: text(statement.predicateType),
      builder: text(predicate.runDetails?.builder?.id) ?? text(predicate.builder?.id),
      sourceRepository: text(predicate.buildDefinition?.externalParameters?.workflow?.repository) ?? text(predicate.invocation?.configSource?.uri),
      subjects: subjects.slice(0, 100),
    };
  }
}

/** The integrity service's provenance hook over a verifier for this trust material. */
export function sigstoreHook(trust: TrustMaterial) {
  const verifier = new SigstoreVerifier(trust);
  return async (bundle: unknown, digests: { sha256: string; sha512: string | null }, field: string): Promise<Provenance> => verifier.verify(bundle, digests, field);
}

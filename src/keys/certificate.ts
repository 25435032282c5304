/**
 * A self-signed X.509 certificate for each signing key, published as the JWK's `x5c` (Microsoft Entra requires an
 * `x5c` on every key of an external authentication method's JWKS). Made with @peculiar/x509 over WebCrypto; the
 * certificate only binds the public key to a name — relying parties trust the key through the issuer's JWKS.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) needs it loaded first
import { randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { X509CertificateGenerator, cryptoProvider } from '@peculiar/x509';
import type { SigningAlg } from './jws-sign.js';

cryptoProvider.set(webcrypto as unknown as Crypto);

/** How long a certificate is valid; keys rotate every KEY_ROTATION_DAYS (90 by default), far sooner. */
const VALIDITY_DAYS = 3 * 365;

const ALGORITHMS: Record<SigningAlg, { import: EcKeyImportParams | RsaHashedImportParams; sign: EcdsaParams | Algorithm }> = {
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams },
  RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
};

/** base64 DER of a self-signed certificate for the key pair, valid from an hour before `now`. */
export async function selfSignedCertificate(alg: SigningAlg, privateKey: KeyObject, publicKey: KeyObject, kid: string, now: number): Promise<string> {
  const { import: importParams, sign } = ALGORITHMS[alg];
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), importParams, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), importParams, true, ['verify']),
  };
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // a positive serial number
  const certificate = await X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=Tessera signing key ${kid.slice(0, 43)}`,
    notBefore: new Date((now - 3600) * 1000),
    notAfter: new Date((now + VALIDITY_DAYS * 86400) * 1000),
    signingAlgorithm: sign,
    keys: keys as CryptoKeyPair,
  });
  return Buffer.from(certificate.rawData).toString('base64');
}

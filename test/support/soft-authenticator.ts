/**
 * A software WebAuthn authenticator for HTTP tests: ES256 keys, `none` attestation, a signature counter, and
 * responses in the JSON form browsers send (PublicKeyCredential.toJSON()). Origin and rpID are parameters, so tests
 * can produce responses for the wrong ones.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  cose: Uint8Array;
  counter: number;
  /** A synced passkey: the authenticator data says backup eligible and backed up (BE, BS). */
  backedUp: boolean;
}

export interface CeremonyTarget {
  challenge: string;
  origin: string;
  rpId: string;
}

function authenticatorData(rpId: string, counter: number, backedUp: boolean, attested?: Buffer): Buffer {
  const flags = 0x01 | 0x04 | (backedUp ? 0x08 | 0x10 : 0) | (attested ? 0x40 : 0); // UP, UV, BE + BS, AT
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, attested ?? Buffer.alloc(0)]);
}

export function newCredential(backedUp = false): SoftCredential {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]),
  );
  return { id: randomBytes(32), privateKey, cose, counter: 0, backedUp };
}

export function registrationResponse(credential: SoftCredential, target: CeremonyTarget): Record<string, unknown> {
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: target.challenge, origin: target.origin, crossOrigin: false }));
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(credential.id.length);
  const attested = Buffer.concat([Buffer.alloc(16), idLength, credential.id, Buffer.from(credential.cose)]);
  const authData = authenticatorData(target.rpId, credential.counter, credential.backedUp, attested);
  const attestationObject = isoCBOR.encode(new Map<string, string | Map<string, string> | Uint8Array>([['fmt', 'none'], ['attStmt', new Map<string, string>()], ['authData', authData]]));
  return {
    id: b64u(credential.id),
    rawId: b64u(credential.id),
    type: 'public-key',
    response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    clientExtensionResults: {},
  };
}

/** An assertion; the counter advances by one unless `counter` is given. */
export function authenticationResponse(credential: SoftCredential, target: CeremonyTarget, counter = credential.counter + 1): Record<string, unknown> {
  credential.counter = counter;
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: target.challenge, origin: target.origin, crossOrigin: false }));
  const authData = authenticatorData(target.rpId, counter, credential.backedUp);
  const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
  return {
    id: b64u(credential.id),
    rawId: b64u(credential.id),
    type: 'public-key',
    response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature) },
    clientExtensionResults: {},
  };
}

/**
 * The service's own long-lived ECDH key pair (GET /oauth2/publickeys): generated once per curve by whichever node
 * starts first, its private key sealed with the master key, and read by every node. Creation is race-safe: every
 * node inserts "if absent" and then reads the one row that won.
 */
import type { Provider } from '../runtime/provider.js';
import { seal, unseal } from '../keys/sealing.js';
import { findServiceKeyPair, insertServiceKeyPairIfAbsent } from '../store/service-api.js';
import { generateKeyPair, publicKeyOf, type EcCurve, type KeyPair } from './ecdh.js';

export interface ServiceKeyPair extends KeyPair {
  curve: EcCurve;
}

export async function loadServiceKeyPair(provider: Provider): Promise<ServiceKeyPair> {
  const curve = provider.config.serviceApi.curve;
  let row = await findServiceKeyPair(provider.db, curve);
  if (!row) {
    const fresh = generateKeyPair(curve);
    await insertServiceKeyPairIfAbsent(provider.db, {
      curve,
      public_key: fresh.publicKey,
      private_key: seal(provider.secrets.sealing, fresh.privateKey),
      created_at: provider.clock.now(),
    });
    row = await findServiceKeyPair(provider.db, curve);
    if (!row) throw new Error('the service key pair could not be stored');
  }
  const privateKey = unseal(provider.secrets.sealing, row.private_key);
  if (publicKeyOf(privateKey, curve) !== row.public_key) throw new Error('the stored service key pair is inconsistent');
  return { curve, privateKey, publicKey: row.public_key };
}

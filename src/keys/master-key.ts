/**
 * The master key: everything sealed at rest (private signing keys, client_secret_jwt secrets) and the key of the
 * client-secret HMAC derive from it with HKDF. From TESSERA_MASTER_KEY (hex or base64, ≥ 32 bytes), or a dev key
 * generated under the data directory with a loud warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

export interface DerivedKeys {
  /** AES-256-GCM key for data sealed at rest. */
  sealing: Buffer;
  /** HMAC-SHA-256 key for client secrets and other server-side keyed hashes. */
  secretHashing: Buffer;
}

export class MasterKeyError extends Error {}

export function decodeMasterKey(raw: string): Buffer {
  const trimmed = raw.trim();
  const bytes = /^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0 ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length < 32) throw new MasterKeyError('TESSERA_MASTER_KEY must encode at least 32 bytes (64 hex characters or 44 base64)');
  return bytes;
}

export function deriveKeys(master: Buffer): DerivedKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { sealing: derive('tessera/v1/sealing'), secretHashing: derive('tessera/v1/secret-hashing') };
}

export function loadMasterKey(configured: string | undefined, dataDir: string, log: Logger): DerivedKeys {
  if (configured) return deriveKeys(decodeMasterKey(configured));
  const file = path.join(dataDir, 'dev-master.key');
  let raw: string;
  if (fs.existsSync(file)) {
    raw = fs.readFileSync(file, 'utf8');
  } else {
    fs.mkdirSync(dataDir, { recursive: true });
    raw = randomBytes(32).toString('hex');
    fs.writeFileSync(file, raw, { mode: 0o600 });
  }
  log.warn(
    { file },
    '!!! TESSERA_MASTER_KEY is not set: using a development master key stored next to the database. ' +
      'Anyone who can read that file can decrypt the private signing keys. Set TESSERA_MASTER_KEY in production. !!!',
  );
  return deriveKeys(decodeMasterKey(raw));
}

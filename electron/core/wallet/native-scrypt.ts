import { scrypt as nodeScrypt } from 'node:crypto';
import { scrypt } from 'ethers';

let registered = false;

/**
 * Routes ethers' keystore scrypt to Node's native one: the same bytes (a unit test compares them
 * with ethers' own JavaScript scrypt), about 1.5× faster at N = 2^17, and computed on libuv's
 * thread pool, so the core keeps answering calls while a wallet unlocks. Returns whether it is in use.
 */
export function useNativeScrypt(): boolean {
  if (registered) return true;
  try {
    scrypt.register(
      (passwd, salt, N, r, p, dkLen) =>
        new Promise<Uint8Array>((resolve, reject) => {
          // Node refuses work above maxmem; keystore-limits has already bounded 128·N·r for imported files.
          const maxmem = 256 * N * r + 128 * r * p + (16 << 20);
          nodeScrypt(passwd, salt, dkLen, { N, r, p, maxmem }, (e, key) => (e ? reject(e) : resolve(new Uint8Array(key))));
        }),
    );
    registered = true;
  } catch {
    // Someone locked ethers' scrypt first; its JavaScript scrypt gives the same keys, only slower.
  }
  return registered;
}

// @ts-check
/** Sign-In with Ethereum (EIP-4361) with a browser wallet: the message is built by hand, the wallet signs it. */
import { request } from "./api.js";

const STATEMENT = "Sign in to the compute-voucher audit API.";

/**
 * The EIP-4361 message, exactly as the specification lays it out.
 * @param {{domain: string, address: string, uri: string, chainId: number, nonce: string, issuedAt: string, expirationTime: string}} f
 */
export function siweMessage(f) {
  return [
    `${f.domain} wants you to sign in with your Ethereum account:`,
    f.address,
    "",
    STATEMENT,
    "",
    `URI: ${f.uri}`,
    "Version: 1",
    `Chain ID: ${f.chainId}`,
    `Nonce: ${f.nonce}`,
    `Issued At: ${f.issuedAt}`,
    `Expiration Time: ${f.expirationTime}`,
  ].join("\n");
}

/** Hex of a UTF-8 string, for personal_sign. @param {string} text */
const hexOf = (text) => `0x${Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("")}`;

/** Asks the wallet for an account and a signature; returns the bearer token. @returns {Promise<string>} */
export async function signInWithWallet() {
  const ethereum = /** @type {any} */ (window).ethereum;
  if (ethereum === undefined) throw new Error("no browser wallet found");
  const [account] = /** @type {string[]} */ (await ethereum.request({ method: "eth_requestAccounts" }));
  if (account === undefined) throw new Error("the wallet gave no account");
  const info = await request("/v1/auth/nonce", {}, { method: "POST", auth: false });
  const issuedAt = new Date();
  const validity = Math.min(300, info.maxValiditySeconds) * 1000;
  const message = siweMessage({
    domain: info.domain,
    address: toChecksum(account),
    uri: info.uri,
    chainId: info.chainId,
    nonce: info.nonce,
    issuedAt: issuedAt.toISOString(),
    expirationTime: new Date(issuedAt.getTime() + validity).toISOString(),
  });
  const signature = await ethereum.request({ method: "personal_sign", params: [hexOf(message), account] });
  const session = await request("/v1/auth/login", {}, { method: "POST", auth: false, body: { message, signature } });
  return session.token;
}

/**
 * EIP-4361 wants the address in EIP-55 form; wallets mostly answer in lower case. The checksum needs keccak-256,
 * which browsers do not offer: a compact implementation follows.
 * @param {string} address
 */
export function toChecksum(address) {
  const lower = address.toLowerCase().replace(/^0x/, "");
  const digest = keccak256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i += 1) {
    const nibble = (at(digest, i >> 1) >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? at(lower, i).toUpperCase() : at(lower, i);
  }
  return out;
}

const RC = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n, 0x000000000000808bn, 0x0000000080000001n,
  0x8000000080008081n, 0x8000000000008009n, 0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n, 0x8000000000008002n, 0x8000000000000080n,
  0x000000000000800an, 0x800000008000000an, 0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
const ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];
const MASK = (1n << 64n) - 1n;
const rotl = (/** @type {bigint} */ x, /** @type {number} */ n) => (n === 0 ? x : ((x << BigInt(n)) | (x >> BigInt(64 - n))) & MASK);

/**
 * `items[i]` where the loop keeps `i` in range, typed as present: TypeScript's `items[i]!`, which JavaScript has no
 * syntax for (the check runs with `noUncheckedIndexedAccess`).
 * @template T @param {ArrayLike<T>} items @param {number} i @returns {T}
 */
const at = (items, i) => /** @type {T} */ (items[i]);

/** Keccak-256 (the original padding, as Ethereum uses), on BigInt lanes: slow but small, for short inputs. @param {Uint8Array} data */
export function keccak256(data) {
  const rate = 136;
  const padded = new Uint8Array(Math.ceil((data.length + 1) / rate) * rate);
  padded.set(data);
  padded[data.length] = at(padded, data.length) ^ 0x01;
  padded[padded.length - 1] = at(padded, padded.length - 1) ^ 0x80;
  /** @type {bigint[]} */
  const s = new Array(25).fill(0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i += 1) {
      let lane = 0n;
      for (let b = 7; b >= 0; b -= 1) lane = (lane << 8n) | BigInt(at(padded, off + i * 8 + b));
      s[i] = at(s, i) ^ lane;
    }
    for (let round = 0; round < 24; round += 1) {
      const c = [0, 1, 2, 3, 4].map((x) => at(s, x) ^ at(s, x + 5) ^ at(s, x + 10) ^ at(s, x + 15) ^ at(s, x + 20));
      for (let x = 0; x < 5; x += 1) {
        const d = at(c, (x + 4) % 5) ^ rotl(at(c, (x + 1) % 5), 1);
        for (let y = 0; y < 25; y += 5) s[x + y] = at(s, x + y) ^ d;
      }
      /** @type {bigint[]} */
      const b = new Array(25).fill(0n);
      for (let x = 0; x < 5; x += 1) for (let y = 0; y < 5; y += 1) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(at(s, x + 5 * y), at(ROT, x + 5 * y));
      for (let x = 0; x < 5; x += 1) for (let y = 0; y < 25; y += 5) s[x + y] = at(b, x + y) ^ (~at(b, ((x + 1) % 5) + y) & at(b, ((x + 2) % 5) + y) & MASK);
      s[0] = at(s, 0) ^ at(RC, round);
    }
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i += 1) for (let b = 0; b < 8; b += 1) out[i * 8 + b] = Number((at(s, i) >> BigInt(8 * b)) & 0xffn);
  return out;
}

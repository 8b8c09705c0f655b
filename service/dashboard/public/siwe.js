// @ts-check
/**
 * Sign-In with Ethereum (EIP-4361) with a browser wallet. The message is written by the one small function below:
 * the maintained library (siwe, which the server parses with) is CommonJS with dependencies and does not load in a
 * browser without a build step. The tests check that the server's parser reads it back and that its login takes it.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";

import { request } from "./api.js";
import { t } from "./i18n.js";

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
  if (ethereum === undefined) throw new Error(t("signin.walletMissing"));
  const [account] = /** @type {string[]} */ (await ethereum.request({ method: "eth_requestAccounts" }));
  if (account === undefined) throw new Error(t("signin.walletNoAccount"));
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
 * EIP-4361 wants the address in EIP-55 form; wallets mostly answer in lower case. The checksum needs Keccak-256,
 * which browsers do not offer: @noble/hashes' (served from node_modules, see the import map of index.html).
 * @param {string} address
 */
export function toChecksum(address) {
  const lower = address.toLowerCase().replace(/^0x/, "");
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error(`not an address: ${address}`);
  const digest = keccak_256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i += 1) {
    const byte = digest[i >> 1] ?? 0;
    const nibble = (i % 2 === 0 ? byte >> 4 : byte) & 0xf;
    const char = lower.charAt(i);
    out += nibble >= 8 ? char.toUpperCase() : char;
  }
  return out;
}

/**
 * The demo scheme `npm start` sets up on the local node: two cities, an issuer per city, two accredited data
 * centers, an auditor, a few dozen vouchers and some redemptions with the holders' consents. Every account is one of
 * the local node's well-known development accounts, so nothing here is a secret; never point this at a real chain.
 *
 * Run on its own: `npx tsx scripts/demo.ts [rpcUrl]` (after `npm run chain`). Safe to run again: it does nothing
 * on a chain where the demo cities exist already.
 */
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, encodeBytes32String, id as keccakText } from "ethers";
import type { Signer } from "ethers";

import {
  AccessManager__factory,
  ComputeVoucher__factory,
  type ComputeVoucher,
} from "../types/ethers-contracts/index.js";
import { CONSENT_TYPES } from "../service/domain/signing-v1.js";
import type { Consent } from "../service/domain/redemption-wire.js";
import { type Deployment, deploymentPath, readDeployment } from "../service/domain/deployment.js";
import { ROLE } from "../service/domain/roles-v1.js";

/** The mnemonic of Hardhat's and anvil's development accounts. Public knowledge; local chains only. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export const DEMO_ACCOUNTS = {
  admin: 0,
  governor: 1,
  shanghaiIssuer: 2,
  auditor: 3,
  beijingIssuer: 4,
  dataCenterA: 5,
  dataCenterB: 6,
  firstHolder: 7,
  holders: 6,
} as const;

export const SHANGHAI = 310000;
export const BEIJING = 110000;
const CNY = 100n;
const DAY = 86_400n;

/** The development account at `index` (m/44'/60'/0'/0/index), connected to `provider` if one is given. */
export function devAccount(index: number, provider?: JsonRpcProvider): HDNodeWallet {
  const wallet = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return provider === undefined ? wallet : wallet.connect(provider);
}

/**
 * A demo voucher with value left that the client CLI's examples redeem (README, and the commands npm start prints):
 * Shanghai's first, held by the first demo holder, CNY 75,000.00 left after the demo's redemption, and data center A
 * accredited for Shanghai. Shanghai pays up to 30% of the rent (its measures of 2025-07-28), so CNY 1,000.00 of an
 * invoice of CNY 4,000.00 may be paid.
 */
export const DEMO_REDEEMABLE = {
  city: SHANGHAI,
  ref: "SH-2026-0001",
  holder: DEMO_ACCOUNTS.firstHolder,
  dataCenter: DEMO_ACCOUNTS.dataCenterA,
} as const;

export interface DemoSummary {
  created: boolean;
  vouchers: number;
  redemptions: number;
}

/** Sets the demo scheme up on the chain of `deployment` unless it is there already. */
export async function setUpDemo(
  provider: JsonRpcProvider,
  deployment: Deployment,
  log: (line: string) => void = console.log,
): Promise<DemoSummary> {
  // One nonce manager per account for the whole run: a fresh one would ask the node for the pending nonce, which the
  // provider may answer from its short cache.
  const signers = new Map<number, Signer>();
  const account = (index: number): Signer => {
    let signer = signers.get(index);
    if (signer === undefined) {
      signer = new NonceManager(devAccount(index, provider));
      signers.set(index, signer);
    }
    return signer;
  };
  const governor = account(DEMO_ACCOUNTS.governor);
  const ledgerAsGovernor = ComputeVoucher__factory.connect(deployment.ledger, governor);
  if ((await ledgerAsGovernor.cityCodes()).map(Number).includes(SHANGHAI)) {
    log("demo: the demo scheme is set up already");
    return { created: false, vouchers: 0, redemptions: 0 };
  }
  const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);

  log("demo: registering Shanghai (310000) and Beijing (110000)");
  await wait(
    ledgerAsGovernor.registerCity(SHANGHAI, {
      name: "Shanghai",
      budget: 600_000_000n * CNY,
      appropriation: encodeBytes32String("SH-2026-AI-COMPUTE"),
      ratioBps: 3000,
      holderCap: 2_000_000n * CNY,
      defaultValidity: 365n * DAY,
    }),
  );
  await wait(
    ledgerAsGovernor.registerCity(BEIJING, {
      name: "Beijing",
      budget: 300_000_000n * CNY,
      appropriation: encodeBytes32String("BJ-2026-AI-COMPUTE"),
      ratioBps: 5000,
      holderCap: 0n,
      defaultValidity: 180n * DAY,
    }),
  );

  const addressOf = (index: number) => devAccount(index, provider).address;
  const manager = AccessManager__factory.connect(deployment.accessManager, governor);
  for (const [role, index] of [
    [ROLE.ISSUER, DEMO_ACCOUNTS.shanghaiIssuer],
    [ROLE.ISSUER, DEMO_ACCOUNTS.beijingIssuer],
    [ROLE.AUDITOR, DEMO_ACCOUNTS.auditor],
  ] as const) {
    const [member] = await manager.hasRole(role, addressOf(index));
    if (!member) await wait(manager.grantRole(role, addressOf(index), 0));
  }
  await wait(ledgerAsGovernor.bindIssuer(addressOf(DEMO_ACCOUNTS.shanghaiIssuer), SHANGHAI));
  await wait(ledgerAsGovernor.bindIssuer(addressOf(DEMO_ACCOUNTS.beijingIssuer), BEIJING));

  log("demo: accrediting two data centers");
  const year = now + 365n * DAY;
  await wait(ledgerAsGovernor.accredit(addressOf(DEMO_ACCOUNTS.dataCenterA), SHANGHAI, now - DAY, year));
  await wait(ledgerAsGovernor.accredit(addressOf(DEMO_ACCOUNTS.dataCenterB), SHANGHAI, now - DAY, year));
  await wait(ledgerAsGovernor.accredit(addressOf(DEMO_ACCOUNTS.dataCenterB), BEIJING, now - DAY, year));

  log("demo: issuing vouchers");
  const holders = Array.from({ length: DEMO_ACCOUNTS.holders }, (_, i) => DEMO_ACCOUNTS.firstHolder + i);
  const issued: { city: number; id: bigint; holder: number; faceValue: bigint }[] = [];
  for (const [city, issuerIndex, count] of [
    [SHANGHAI, DEMO_ACCOUNTS.shanghaiIssuer, 24],
    [BEIJING, DEMO_ACCOUNTS.beijingIssuer, 12],
  ] as const) {
    const ledger = ComputeVoucher__factory.connect(deployment.ledger, account(issuerIndex));
    const prefix = city === SHANGHAI ? "SH" : "BJ";
    const requests = Array.from({ length: count }, (_, i) => {
      const holder = holders[i % holders.length]!;
      // face values between CNY 100,000 and CNY 600,000, so that caps of CNY 2 million hold
      const faceValue = (100_000n + BigInt((i * 37_000) % 500_000)) * CNY;
      issued.push({ city, id: 0n, holder, faceValue });
      return {
        holder: addressOf(holder),
        applicationRef: encodeBytes32String(`${prefix}-2026-${String(i + 1).padStart(4, "0")}`),
        faceValue,
        expiresAt: 0n,
      };
    });
    await wait(ledger.issueBatch(city, requests));
    const offset = issued.length - count;
    for (const [i, request] of requests.entries()) {
      issued[offset + i]!.id = await ledger.voucherId(city, request.applicationRef);
    }
  }

  log("demo: redeeming with the holders' consents");
  let redemptions = 0;
  for (const [i, voucher] of issued.entries()) {
    if (i % 3 === 2) continue;
    const dataCenter = voucher.city === SHANGHAI && i % 2 === 0 ? DEMO_ACCOUNTS.dataCenterA : DEMO_ACCOUNTS.dataCenterB;
    const ledger = ComputeVoucher__factory.connect(deployment.ledger, account(dataCenter));
    const amount = voucher.faceValue / 4n;
    const ratio = voucher.city === SHANGHAI ? 3000n : 5000n;
    await redeem(ledger, devAccount(voucher.holder, provider), {
      voucherId: voucher.id,
      dataCenter: addressOf(dataCenter),
      amount,
      invoiceHash: keccakText(`demo-invoice-${i}`),
      // Rounded up, so that the amount stays within the ratio of the total.
      invoiceTotal: (amount * 10_000n + ratio - 1n) / ratio,
      deadline: now + 30n * DAY,
    });
    redemptions += 1;
  }
  const revokeAs = ComputeVoucher__factory.connect(deployment.ledger, account(DEMO_ACCOUNTS.shanghaiIssuer));
  await wait(revokeAs.revoke(issued[2]!.id, encodeBytes32String("duplicate")));
  log(`demo: ${issued.length} vouchers issued, ${redemptions} redemptions, 1 revocation`);
  return { created: true, vouchers: issued.length, redemptions };
}

/**
 * Redeems part of a voucher on chain as a demo data center, with the consent of the voucher's holder (both development
 * accounts, by index); returns the transaction hash. For tests and demonstrations on a local chain.
 */
export async function redeemAs(
  provider: JsonRpcProvider,
  deployment: Deployment,
  redemption: { dataCenter: number; holder: number; voucherId: bigint; amount: bigint; invoiceTotal: bigint; invoice: string },
): Promise<string> {
  const dataCenter = devAccount(redemption.dataCenter, provider);
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  return redeem(ComputeVoucher__factory.connect(deployment.ledger, dataCenter), devAccount(redemption.holder, provider), {
    voucherId: redemption.voucherId,
    dataCenter: dataCenter.address,
    amount: redemption.amount,
    invoiceHash: keccakText(redemption.invoice),
    invoiceTotal: redemption.invoiceTotal,
    deadline: now + DAY,
  });
}

async function redeem(
  ledger: ComputeVoucher,
  holder: HDNodeWallet,
  consent: Consent,
): Promise<string> {
  const domain = await ledger.eip712Domain();
  const signature = await holder.signTypedData(
    { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    CONSENT_TYPES,
    consent,
  );
  const tx = await ledger.redeem(consent, signature);
  await tx.wait();
  return tx.hash;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const provider = new JsonRpcProvider(process.argv[2] ?? "http://127.0.0.1:8545");
  const chainId = (await provider.getNetwork()).chainId;
  await setUpDemo(provider, await readDeployment(deploymentPath(chainId)));
  provider.destroy();
}

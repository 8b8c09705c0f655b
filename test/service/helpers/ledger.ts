import { encodeBytes32String, JsonRpcProvider, type JsonRpcSigner, id as keccakText } from "ethers";

import { setRoleAdmins, wireRoles } from "../../../scripts/lib/deploy.js";
import { ROLE } from "../../../service/domain/roles-v1.js";
import {
  AccessManager__factory,
  ComputeVoucher__factory,
  ERC2771Forwarder__factory,
  type AccessManager,
  type ComputeVoucher,
} from "../../../types/ethers-contracts/index.js";
import { CONSENT_TYPES, consentDomain } from "../../helpers/consent.js";

export const SHANGHAI = 310000;
export const BEIJING = 110000;

export interface TestLedger {
  provider: JsonRpcProvider;
  manager: AccessManager;
  ledger: ComputeVoucher;
  deploymentBlock: number;
  signers: {
    admin: JsonRpcSigner;
    governor: JsonRpcSigner;
    shanghaiIssuer: JsonRpcSigner;
    beijingIssuer: JsonRpcSigner;
    dataCenter: JsonRpcSigner;
    holders: JsonRpcSigner[];
  };
  /** Vouchers issued by the workload so far and not closed, with their city. */
  active: { id: bigint; city: number; holder: number; shortLived: boolean }[];
  counter: number;
}

export function providerFor(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 20 });
}

/**
 * Deploys the AccessManager, forwarder and ledger to a node with its unlocked dev accounts (as scripts/lib/deploy.ts
 * does in Hardhat's network), registers Shanghai and Beijing, binds an issuer to each and accredits a data center.
 */
export async function deployTestLedger(url: string): Promise<TestLedger> {
  const provider = providerFor(url);
  const accounts = await Promise.all([...Array(10).keys()].map((i) => provider.getSigner(i)));
  const [admin, governor, shanghaiIssuer, beijingIssuer, dataCenter, ...holders] = accounts as [JsonRpcSigner, ...JsonRpcSigner[]];
  const deploymentBlock = (await provider.getBlockNumber()) + 1;
  const manager = await new AccessManager__factory(admin).deploy(await admin.getAddress());
  await manager.waitForDeployment();
  const forwarder = await new ERC2771Forwarder__factory(admin).deploy("ComputeVoucherForwarder");
  await forwarder.waitForDeployment();
  const ledger = await new ComputeVoucher__factory(admin).deploy(
    await manager.getAddress(), await forwarder.getAddress(), "CNY", 2, "https://vouchers.example.gov.cn/metadata/",
  );
  await ledger.waitForDeployment();
  await wireRoles(manager, ledger, admin);
  const m = manager.connect(admin);
  await (await m.grantRole(ROLE.GOVERNOR, governor!.address, 0)).wait();
  await (await m.grantRole(ROLE.ISSUER, shanghaiIssuer!.address, 0)).wait();
  await (await m.grantRole(ROLE.ISSUER, beijingIssuer!.address, 0)).wait();
  await (await m.grantRole(ROLE.AUDITOR, holders[4]!.address, 0)).wait();
  await setRoleAdmins(manager, admin);
  const g = ledger.connect(governor);
  const city = (name: string, ratioBps: number) => ({
    name, budget: 10n ** 15n, appropriation: encodeBytes32String(`${name}-2026`), ratioBps, holderCap: 0n, defaultValidity: 86_400n * 365n,
  });
  await (await g.registerCity(SHANGHAI, city("Shanghai", 8000))).wait();
  await (await g.registerCity(BEIJING, city("Beijing", 5000))).wait();
  await (await g.bindIssuer(shanghaiIssuer!.address, SHANGHAI)).wait();
  await (await g.bindIssuer(beijingIssuer!.address, BEIJING)).wait();
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  for (const c of [SHANGHAI, BEIJING]) await (await g.accredit(dataCenter!.address, c, now - 10n, now + 86_400n * 3650n)).wait();
  return {
    provider, manager, ledger, deploymentBlock,
    signers: { admin, governor: governor!, shanghaiIssuer: shanghaiIssuer!, beijingIssuer: beijingIssuer!, dataCenter: dataCenter!, holders },
    active: [],
    counter: 0,
  };
}

/** A small deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `steps` random ledger operations: issues (single and batch), redemptions with the holder's consent,
 * revocations, re-issues, expiries (after moving time on), accreditation changes and role changes. Returns how
 * many transactions it sent.
 */
export async function runWorkload(t: TestLedger, steps: number, seed: number): Promise<number> {
  const random = rng(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const { ledger, signers } = t;
  const issuerOf = (city: number) => (city === SHANGHAI ? signers.shanghaiIssuer : signers.beijingIssuer);
  const domain = await consentDomain(ledger);
  let sent = 0;
  const send = async (tx: Promise<{ wait(): Promise<unknown> }>) => {
    await (await tx).wait();
    sent++;
  };
  for (let i = 0; i < steps; i++) {
    const roll = random();
    const closable = t.active.filter((v) => !v.shortLived);
    if (roll < 0.3 || t.active.length < 3) {
      const city = random() < 0.6 ? SHANGHAI : BEIJING;
      const count = random() < 0.3 ? 3 : 1;
      const requests = [...Array(count).keys()].map(() => {
        const holder = Math.floor(random() * 4);
        const shortLived = random() < 0.15;
        return { holder, shortLived, ref: encodeBytes32String(`APP-${seed}-${t.counter++}`) };
      });
      const now = BigInt((await t.provider.getBlock("latest"))!.timestamp);
      const body = await Promise.all(requests.map(async (r) => ({
        holder: await signers.holders[r.holder]!.getAddress(), applicationRef: r.ref,
        faceValue: BigInt(1000 + Math.floor(random() * 1_000_000)), expiresAt: r.shortLived ? now + 1000n : 0n,
      })));
      const issuer = ledger.connect(issuerOf(city));
      await send(count === 1 ? issuer.issue(city, body[0]!) : issuer.issueBatch(city, body));
      for (const r of requests) t.active.push({ id: await ledger.voucherId(city, r.ref), city, holder: r.holder, shortLived: r.shortLived });
    } else if (roll < 0.6 && closable.length > 0) {
      const v = pick(closable);
      const record = await ledger.getVoucher(v.id);
      const amount = random() < 0.2 ? record.remaining : 1n + BigInt(Math.floor(random() * Number(record.remaining)));
      const consent = {
        voucherId: v.id, dataCenter: await signers.dataCenter.getAddress(), amount,
        invoiceHash: keccakText(`invoice-${seed}-${t.counter++}`), invoiceTotal: amount * 2n, deadline: 2n ** 40n,
      };
      const signature = await signers.holders[v.holder]!.signTypedData(domain, CONSENT_TYPES, consent);
      await send(ledger.connect(signers.dataCenter).redeem(consent, signature));
      if (amount === record.remaining) t.active.splice(t.active.indexOf(v), 1);
    } else if (roll < 0.7 && closable.length > 0) {
      const v = pick(closable);
      await send(ledger.connect(issuerOf(v.city)).revoke(v.id, encodeBytes32String("FRAUD")));
      t.active.splice(t.active.indexOf(v), 1);
    } else if (roll < 0.8 && closable.length > 0) {
      const v = pick(closable);
      const ref = encodeBytes32String(`RE-${seed}-${t.counter++}`);
      const holder = Math.floor(random() * 4);
      await send(ledger.connect(signers.governor).reissueByGovernor(v.id, await signers.holders[holder]!.getAddress(), ref, 0n, encodeBytes32String("LOST-KEY")));
      t.active.splice(t.active.indexOf(v), 1);
      t.active.push({ id: await ledger.voucherId(v.city, ref), city: v.city, holder, shortLived: false });
    } else if (roll < 0.88) {
      const expired = t.active.filter((v) => v.shortLived);
      if (expired.length === 0) continue;
      await t.provider.send("evm_increaseTime", [2000]);
      await t.provider.send("evm_mine", []);
      await send(ledger.expireBatch(expired.map((v) => v.id)));
      t.active = t.active.filter((v) => !v.shortLived);
    } else if (roll < 0.94) {
      const g = ledger.connect(signers.governor);
      const city = random() < 0.5 ? SHANGHAI : BEIJING;
      const dc = signers.holders[4]!.address;
      const now = BigInt((await t.provider.getBlock("latest"))!.timestamp);
      const r = random();
      const acc = await ledger.getAccreditation(dc, city);
      if (acc.validUntil === 0n || r < 0.4) await send(g.accredit(dc, city, now, now + 86_400n));
      else if (!acc.suspended) await send(g.suspend(dc, city, encodeBytes32String("AUDIT")));
      else await send(g.reinstate(dc, city));
    } else {
      const m = t.manager.connect(signers.governor);
      const account = signers.holders[random() < 0.5 ? 3 : 4]!.address;
      const [member] = await t.manager.hasRole(ROLE.AUDITOR, account);
      await send(member ? m.revokeRole(ROLE.AUDITOR, account) : m.grantRole(ROLE.AUDITOR, account, 0));
    }
  }
  return sent;
}

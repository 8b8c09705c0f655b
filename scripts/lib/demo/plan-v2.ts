import { creditCodeCheckCharacter } from "../../../service/domain/identity.js";

/**
 * What the ledger v2 demo (scripts/demo-v2.ts) sets up, as data: the schemes it applies, the companies, their
 * vouchers, the suppliers' redemptions, the buyers' claims and the finance bureau's payments. The demo does exactly
 * this, and the start-up test checks the service's /v2 lists against it. Amounts are CNY as typed ("30000.00").
 */

/**
 * The published schemes the demo applies (scripts/schemes/): Shanghai's city programmes with Xuhui district's top-up,
 * and Hangzhou's, which pay the suppliers; and Qingyang's, which also reimburses buyers who paid their invoice (the
 * only published scheme in force this fiscal year that does: the claims are made under it).
 */
export const DEMO_V2_SCHEMES = ["shanghai.json", "shanghai-xuhui.json", "hangzhou.json", "qingyang.json"] as const;

/** A programme of the demo, by the file and its index among the file's programmes. */
export type ProgrammeRef = { file: (typeof DEMO_V2_SCHEMES)[number]; index: number };
export const PROGRAMMES = {
  shanghai: { file: "shanghai.json", index: 0 },
  xuhui: { file: "shanghai-xuhui.json", index: 0 },
  hangzhou: { file: "hangzhou.json", index: 0 },
  qingyang: { file: "qingyang.json", index: 0 },
} as const satisfies Record<string, ProgrammeRef>;
export type ProgrammeName = keyof typeof PROGRAMMES;

/**
 * The development accounts of ledger v2 on a local node (scripts/lib/ledger/deployment.ts, LOCAL_V2_ACCOUNTS): #0
 * deployer, #1 GOVERNOR, #2 ISSUER, #3 AUDITOR, #4 GUARDIAN, #5–#7 the Safe's owners (ADMIN), #8 FINANCE. The demo's
 * companies act from #9 up; #19 is the relay's.
 */
export const V2_ACCOUNTS = { governor: 1, issuer: 2, auditor: 3, guardian: 4, finance: 8 } as const;

/** A unified social credit code with its GB 32100-2015 check character: "91" (enterprise), region, a serial. */
export function demoCreditCode(region: number, serial: number): string {
  const first17 = `91${region}MA${String(serial).padStart(7, "0")}`;
  return first17 + creditCodeCheckCharacter(first17);
}

export interface DemoCompany {
  key: string;
  /** What it is, for the banner (the chain holds only its credit code's hash). */
  label: string;
  creditCode: string;
  role: "beneficiary" | "supplier";
  category?: "start-up" | "other-company";
  /** Development accounts that act for it. */
  accounts: number[];
  /** Supplier: the programmes it is accredited for, with the classes. */
  accredited?: { programme: ProgrammeName; classes: string }[];
}

export const DEMO_COMPANIES: DemoCompany[] = [
  { key: "xingyun", label: "Shanghai start-up (Xuhui)", creditCode: demoCreditCode(310104, 1), role: "beneficiary", category: "start-up", accounts: [9, 10] },
  { key: "pujiang", label: "Shanghai company", creditCode: demoCreditCode(310115, 2), role: "beneficiary", category: "other-company", accounts: [11] },
  { key: "xihu", label: "Hangzhou start-up", creditCode: demoCreditCode(330106, 3), role: "beneficiary", category: "start-up", accounts: [12] },
  { key: "qiantang", label: "Hangzhou company", creditCode: demoCreditCode(330114, 4), role: "beneficiary", category: "other-company", accounts: [13] },
  { key: "longdong", label: "Qingyang start-up", creditCode: demoCreditCode(621002, 5), role: "beneficiary", category: "start-up", accounts: [14] },
  {
    key: "sh-dc", label: "Shanghai data center", creditCode: demoCreditCode(310104, 6), role: "supplier", accounts: [15],
    accredited: [{ programme: "shanghai", classes: "domestic-compute,other-compute" }, { programme: "xuhui", classes: "domestic-compute,other-compute" }],
  },
  {
    key: "hz-dc", label: "Hangzhou data center", creditCode: demoCreditCode(330110, 7), role: "supplier", accounts: [16],
    accredited: [{ programme: "hangzhou", classes: "domestic-compute,other-compute" }],
  },
  {
    key: "qy-dc", label: "Qingyang data center", creditCode: demoCreditCode(621002, 8), role: "supplier", accounts: [17],
    accredited: [{ programme: "qingyang", classes: "domestic-compute,other-compute" }],
  },
];

/** A relation the governor records (the Hangzhou company holds shares in the Shanghai data center): never redeemed across. */
export const DEMO_RELATION = { beneficiary: "qiantang", supplier: "sh-dc", reason: "shareholder" } as const;

export interface DemoVoucher {
  ref: string;
  programme: ProgrammeName;
  company: string;
  amount: string;
  /** Revoked after issue, with this reason. */
  revoked?: string;
}

export const DEMO_VOUCHERS: DemoVoucher[] = [
  { ref: "SH-2026-0001", programme: "shanghai", company: "xingyun", amount: "500000.00" },
  { ref: "SH-2026-0002", programme: "shanghai", company: "pujiang", amount: "300000.00" },
  { ref: "XH-2026-0001", programme: "xuhui", company: "xingyun", amount: "800000.00" },
  { ref: "HZ-2026-0001", programme: "hangzhou", company: "xihu", amount: "1000000.00" },
  { ref: "HZ-2026-0002", programme: "hangzhou", company: "qiantang", amount: "600000.00" },
  { ref: "HZ-2026-0003", programme: "hangzhou", company: "xihu", amount: "200000.00", revoked: "withdrawn" },
  { ref: "QY-2026-0001", programme: "qingyang", company: "longdong", amount: "400000.00" },
];

/**
 * A supplier's redemption of a voucher for one invoice. Days count back from the chain's day. An invoice redeemed on
 * two vouchers (the city's 30% and the district's 70%) appears twice with the same number.
 */
export interface DemoRedemption {
  voucher: string;
  supplier: string;
  invoice: string;
  invoiceTotal: string;
  amount: string;
  computeClass: "domestic-compute" | "other-compute";
  gpuHours: string;
  /** Electricity used (kWh), for programmes that ask for it (Qingyang). */
  electricityKwh?: number;
  /** A later clawback by the governor of part of it. */
  clawBack?: { amount: string; reason: string };
}

export const DEMO_REDEMPTIONS: DemoRedemption[] = [
  { voucher: "SH-2026-0001", supplier: "sh-dc", invoice: "26312000000000000001", invoiceTotal: "100000.00", amount: "30000.00", computeClass: "domestic-compute", gpuHours: "1250.00" },
  { voucher: "XH-2026-0001", supplier: "sh-dc", invoice: "26312000000000000001", invoiceTotal: "100000.00", amount: "70000.00", computeClass: "domestic-compute", gpuHours: "1250.00" },
  { voucher: "SH-2026-0002", supplier: "sh-dc", invoice: "26312000000000000002", invoiceTotal: "200000.00", amount: "60000.00", computeClass: "other-compute", gpuHours: "2000.00" },
  {
    voucher: "HZ-2026-0001", supplier: "hz-dc", invoice: "26332000000000000003", invoiceTotal: "500000.00", amount: "150000.00", computeClass: "domestic-compute", gpuHours: "6000.00",
    clawBack: { amount: "10000.00", reason: "red-letter" },
  },
  { voucher: "HZ-2026-0002", supplier: "hz-dc", invoice: "26332000000000000004", invoiceTotal: "300000.00", amount: "60000.00", computeClass: "other-compute", gpuHours: "4500.00" },
  { voucher: "QY-2026-0001", supplier: "qy-dc", invoice: "26622000000000000005", invoiceTotal: "100000.00", amount: "30000.00", computeClass: "domestic-compute", gpuHours: "1500.00", electricityKwh: 42_000 },
];

/** A buyer's claim with its supplier's attestation, and the issuer's review (none: it stays pending). */
export interface DemoClaim {
  voucher: string;
  supplier: string;
  invoice: string;
  invoiceTotal: string;
  amount: string;
  gpuHours: string;
  review: "approve" | { reject: string } | "pending";
}

export const DEMO_CLAIMS: DemoClaim[] = [
  { voucher: "QY-2026-0001", supplier: "qy-dc", invoice: "26622000000000000006", invoiceTotal: "200000.00", amount: "60000.00", gpuHours: "3000.00", review: "approve" },
  { voucher: "QY-2026-0001", supplier: "qy-dc", invoice: "26622000000000000007", invoiceTotal: "50000.00", amount: "15000.00", gpuHours: "800.00", review: { reject: "no-proof" } },
  { voucher: "QY-2026-0001", supplier: "qy-dc", invoice: "26622000000000000008", invoiceTotal: "40000.00", amount: "12000.00", gpuHours: "600.00", review: "pending" },
];

/** The finance bureau's entries, in order; a corrected one no longer counts. */
export interface DemoPayment {
  programme: ProgrammeName;
  payee: string;
  amount: string;
  reference: string;
  corrected?: string;
}

export const DEMO_PAYMENTS: DemoPayment[] = [
  { programme: "shanghai", payee: "sh-dc", amount: "90000.00", reference: "SH-PAY-2026-0001" },
  { programme: "xuhui", payee: "sh-dc", amount: "70000.00", reference: "XH-PAY-2026-0001" },
  { programme: "hangzhou", payee: "hz-dc", amount: "20000.00", reference: "HZ-PAY-2026-0001", corrected: "wrong-account" },
  { programme: "hangzhou", payee: "hz-dc", amount: "150000.00", reference: "HZ-PAY-2026-0002" },
  { programme: "qingyang", payee: "qy-dc", amount: "30000.00", reference: "QY-PAY-2026-0001" },
  { programme: "qingyang", payee: "longdong", amount: "60000.00", reference: "QY-PAY-2026-0002" },
];

/** The days of service before the chain's day: redemptions' (recent), and claims' (Qingyang lets suppliers apply first for 30 days). */
export const SERVICE_DAYS = {
  redemption: { from: 20, to: 5, contract: 40 },
  claim: { from: 60, to: 45, contract: 90 },
} as const;

import { creditCodeCheckCharacter, dateOfDay, dayNumber, dayOfInstant } from "../../../service/domain/identity.js";
import type { SchemeFile } from "../schemes/schema.js";

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
  /** Its registered name and an English one, loaded into the identity registry (the chain holds neither). */
  name: string;
  nameEn: string;
  creditCode: string;
  role: "beneficiary" | "supplier";
  category?: "start-up" | "other-company";
  /** Development accounts that act for it. */
  accounts: number[];
  /** Supplier: the programmes it is accredited for, with the classes. */
  accredited?: { programme: ProgrammeName; classes: string }[];
}

export const DEMO_COMPANIES: DemoCompany[] = [
  { key: "xingyun", label: "Shanghai start-up (Xuhui)", name: "上海星云智算科技有限公司", nameEn: "Shanghai Xingyun AI Technology Co., Ltd.", creditCode: demoCreditCode(310104, 1), role: "beneficiary", category: "start-up", accounts: [9, 10] },
  { key: "pujiang", label: "Shanghai company", name: "上海浦江数据服务有限公司", nameEn: "Shanghai Pujiang Data Services Co., Ltd.", creditCode: demoCreditCode(310115, 2), role: "beneficiary", category: "other-company", accounts: [11] },
  { key: "xihu", label: "Hangzhou start-up", name: "杭州西湖模型科技有限公司", nameEn: "Hangzhou Xihu Model Technology Co., Ltd.", creditCode: demoCreditCode(330106, 3), role: "beneficiary", category: "start-up", accounts: [12] },
  { key: "qiantang", label: "Hangzhou company", name: "杭州钱塘智能制造有限公司", nameEn: "Hangzhou Qiantang Intelligent Manufacturing Co., Ltd.", creditCode: demoCreditCode(330114, 4), role: "beneficiary", category: "other-company", accounts: [13] },
  { key: "longdong", label: "Qingyang start-up", name: "庆阳陇东智算科技有限公司", nameEn: "Qingyang Longdong AI Technology Co., Ltd.", creditCode: demoCreditCode(621002, 5), role: "beneficiary", category: "start-up", accounts: [14] },
  {
    key: "sh-dc", label: "Shanghai data center", name: "上海徐汇智算中心有限公司", nameEn: "Shanghai Xuhui Intelligent Computing Center Co., Ltd.", creditCode: demoCreditCode(310104, 6), role: "supplier", accounts: [15],
    accredited: [{ programme: "shanghai", classes: "domestic-compute,other-compute" }, { programme: "xuhui", classes: "domestic-compute,other-compute" }],
  },
  {
    key: "hz-dc", label: "Hangzhou data center", name: "杭州云栖算力中心有限公司", nameEn: "Hangzhou Yunqi Computing Center Co., Ltd.", creditCode: demoCreditCode(330110, 7), role: "supplier", accounts: [16],
    accredited: [{ programme: "hangzhou", classes: "domestic-compute,other-compute" }],
  },
  {
    key: "qy-dc", label: "Qingyang data center", name: "庆阳东数西算数据中心有限公司", nameEn: "Qingyang East-West Computing Data Center Co., Ltd.", creditCode: demoCreditCode(621002, 8), role: "supplier", accounts: [17],
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

/**
 * The identity registry's records of the demo (POST /v2/registry): every company's name and credit code, and the
 * number of every invoice redeemed or claimed, with its supplier's credit code (one record per invoice, however many
 * vouchers paid it).
 */
export function demoRegistry(): {
  companies: { creditCode: string; name: string; nameEn: string }[];
  invoices: { supplierCreditCode: string; invoiceNumber: string }[];
} {
  const codeOf = (key: string) => DEMO_COMPANIES.find((c) => c.key === key)!.creditCode;
  const invoices = new Map<string, { supplierCreditCode: string; invoiceNumber: string }>();
  for (const { supplier, invoice } of [...DEMO_REDEMPTIONS, ...DEMO_CLAIMS]) {
    invoices.set(`${supplier} ${invoice}`, { supplierCreditCode: codeOf(supplier), invoiceNumber: invoice });
  }
  return { companies: DEMO_COMPANIES.map(({ creditCode, name, nameEn }) => ({ creditCode, name, nameEn })), invoices: [...invoices.values()] };
}

/**
 * The redemption the banner and the README's Quick start show through the relay: the Hangzhou start-up consents to
 * CNY 300.00 (30%, domestic compute) of an invoice of CNY 1,000.00 from its voucher HZ-2026-0001, and the Hangzhou
 * data center redeems it with the client CLI (`npm run client -- v2 …`).
 */
export const DEMO_RELAYED = { voucher: "HZ-2026-0001", holder: "xihu", supplier: "hz-dc", amount: "300.00", invoiceTotal: "1000.00", computeClass: 1, gpuHours: "40.00" } as const;

/** China's fiscal year (the calendar year in UTC+8) of an instant, in seconds. */
export function fiscalYearOf(seconds: bigint | number): number {
  return Number(dateOfDay(dayOfInstant(seconds)).slice(0, 4));
}

/** An ISO date `years` years later (or earlier); 29 February becomes the 28th in a year without it. */
function shiftDate(iso: string, years: number): string {
  const year = Number(iso.slice(0, 4)) + years;
  const moved = `${String(year).padStart(4, "0")}${iso.slice(4)}`;
  try {
    return dateOfDay(dayNumber(moved)) === moved ? moved : `${String(year).padStart(4, "0")}-02-28`;
  } catch {
    return `${String(year).padStart(4, "0")}-02-28`;
  }
}

/**
 * The demo's copy of a published scheme file (as parsed JSON) for a chain whose clock is at `now` (seconds): each
 * programme as published where its fiscal years include the chain's and its redemption window is open; otherwise the
 * same programme moved by whole years — fiscal years (with their appropriation references' years), redemption window
 * and earliest contract date — so that the chain's fiscal year is its middle one. The demo issues and redeems under
 * its programmes at once, whatever the date; the files in scripts/schemes/ describe published policy and stay as they
 * are. Returns the copy and, per programme, the years it moved (0: as published).
 */
export function demoSchemeFile(file: SchemeFile, now: bigint | number): { file: SchemeFile; shiftedYears: number[] } {
  const year = fiscalYearOf(now);
  const today = dateOfDay(dayOfInstant(now));
  const shiftedYears: number[] = [];
  const programmes = file.programmes.map((p) => {
    const years = p.fiscalYears.map((y) => y.year);
    const open = p.redemption.firstDay <= today && today < p.redemption.lastDay;
    const shift = years.includes(year) && open ? 0 : year - years[Math.floor((years.length - 1) / 2)]!;
    shiftedYears.push(shift);
    if (shift === 0) return p;
    return {
      ...p,
      fiscalYears: p.fiscalYears.map((y) => ({
        ...y, year: y.year + shift, appropriation: y.appropriation.replace(/\d{4}$/, (digits) => String(Number(digits) + shift)),
      })),
      redemption: { firstDay: shiftDate(p.redemption.firstDay, shift), lastDay: shiftDate(p.redemption.lastDay, shift) },
      earliestContractDate: p.earliestContractDate === null ? null : shiftDate(p.earliestContractDate, shift),
    };
  });
  return { file: { ...file, programmes }, shiftedYears };
}

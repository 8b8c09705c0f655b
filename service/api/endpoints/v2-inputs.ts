import { z } from "zod";

import { CLAIM_STATUS, ENTRY_KIND, VOUCHER_STATUS_V2 } from "../../domain/ledger-v2.js";

/** Query inputs shared by ledger v2's lists. */
const id = (description: string) => z.coerce.number().int().min(1).max(4_294_967_295).meta({ description });

export const programmeInput = id("A programme's id");
export const companyInput = id("A company's number in the scheme registry");
export const classInput = z.coerce.number().int().min(1).max(255).meta({ description: "A compute class" });
export const yearInput = z.coerce.number().int().min(1970).max(65_535).meta({ description: "A fiscal year" });
export const voucherStatusInput = z.enum(VOUCHER_STATUS_V2.filter((s) => s !== "None") as [string, ...string[]]);
export const claimStatusInput = z.enum(CLAIM_STATUS.filter((s) => s !== "None") as [string, ...string[]]);
export const entryKindInput = z.enum(ENTRY_KIND.filter((s) => s !== "None") as [string, ...string[]]);

import type { TaskArguments } from "hardhat/types/tasks";

import * as g from "../../lib/admin/governance.js";
import { UserError } from "../../lib/admin/format.js";
import { action } from "../run.js";

/** The value of a required option, or an error naming its flag. */
export function need(args: TaskArguments, key: string): string {
  const value: unknown = args[key];
  if (typeof value !== "string" || value.trim() === "") {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UserError(`${flag} is required (see --help)`);
  }
  return value;
}

/** GOVERNOR is administered by ADMIN; ISSUER and AUDITOR by GOVERNOR. */
const roleActor = (args: TaskArguments) => (String(args.role).toUpperCase() === "GOVERNOR" ? "ADMIN" : "GOVERNOR");

export const roleGrant = async (args: TaskArguments, hre: Parameters<ReturnType<typeof action>>[1]) =>
  action(roleActor(args), (ctx) =>
    g.grantRole(ctx, { role: need(args, "role"), account: need(args, "account"), delay: Number(args.delay) }),
  )(args, hre);
export const roleRevoke = async (args: TaskArguments, hre: Parameters<ReturnType<typeof action>>[1]) =>
  action(roleActor(args), (ctx) => g.revokeRole(ctx, { role: need(args, "role"), account: need(args, "account") }))(
    args,
    hre,
  );

export const cityRegister = action("GOVERNOR", (ctx, a) =>
  g.registerCity(ctx, {
    city: need(a, "city"),
    name: need(a, "name"),
    budget: need(a, "budget"),
    appropriation: need(a, "appropriation"),
    ratio: need(a, "ratio"),
    cap: need(a, "cap"),
    validityDays: need(a, "validityDays"),
  }),
);
export const citySetBudget = action("GOVERNOR", (ctx, a) =>
  g.setCityBudget(ctx, { city: need(a, "city"), budget: need(a, "budget"), appropriation: need(a, "appropriation") }),
);
export const citySetRatio = action("GOVERNOR", (ctx, a) =>
  g.setCityRatio(ctx, { city: need(a, "city"), ratio: need(a, "ratio") }),
);
export const citySetCap = action("GOVERNOR", (ctx, a) =>
  g.setCityHolderCap(ctx, { city: need(a, "city"), cap: need(a, "cap") }),
);
export const citySetValidity = action("GOVERNOR", (ctx, a) =>
  g.setCityValidity(ctx, { city: need(a, "city"), validityDays: need(a, "validityDays") }),
);
export const cityShow = action("ANYONE", (ctx, a) => g.showCity(ctx, { city: need(a, "city") }));

export const issuerBind = action("GOVERNOR", (ctx, a) =>
  g.bindIssuer(ctx, { issuer: need(a, "issuer"), city: need(a, "city") }),
);
export const issuerUnbind = action("GOVERNOR", (ctx, a) => g.unbindIssuer(ctx, { issuer: need(a, "issuer") }));

export const dcAccredit = action("GOVERNOR", (ctx, a) =>
  g.accredit(ctx, {
    dataCenter: need(a, "dataCenter"),
    city: need(a, "city"),
    from: need(a, "from"),
    until: need(a, "until"),
  }),
);
export const dcSuspend = action("GOVERNOR", (ctx, a) =>
  g.suspend(ctx, { dataCenter: need(a, "dataCenter"), city: need(a, "city"), reason: need(a, "reason") }),
);
export const dcReinstate = action("GOVERNOR", (ctx, a) =>
  g.reinstate(ctx, { dataCenter: need(a, "dataCenter"), city: need(a, "city") }),
);
export const dcShow = action("ANYONE", (ctx, a) =>
  g.showDataCenter(ctx, { dataCenter: need(a, "dataCenter"), city: need(a, "city") }),
);

export const ledgerPause = action("GOVERNOR", (ctx) => g.pause(ctx));
export const ledgerUnpause = action("GOVERNOR", (ctx) => g.unpause(ctx));
export const ledgerStatus = action("ANYONE", (ctx, _a, extra) => g.status(ctx, extra.forwarder));

import type { TaskArguments } from "hardhat/types/tasks";

import * as acc from "../../lib/ledger/accreditation.js";
import * as admin from "../../lib/ledger/admin.js";
import * as ent from "../../lib/ledger/entities.js";
import * as prog from "../../lib/ledger/programmes.js";
import * as rel from "../../lib/ledger/relations.js";
import { v2action } from "../ledger-run.js";
import { need, optional } from "../run.js";

/** Thin actions over scripts/lib/ledger/: companies, relations, accreditation, programmes, issuers and roles. */

const pair = (a: TaskArguments) => ({ beneficiary: need(a, "beneficiary"), supplier: need(a, "supplier") });
const accreditation = (a: TaskArguments) => ({ supplier: need(a, "supplier"), programme: need(a, "programme") });

export const entityRegister = v2action("GOVERNOR", (ctx, a) =>
  ent.registerEntity(ctx, { creditCode: need(a, "creditCode"), role: need(a, "role"), category: optional(a.category) }),
);
export const entityAddAddress = v2action("GOVERNOR", (ctx, a) =>
  ent.addAddress(ctx, { company: need(a, "company"), address: need(a, "address"), reason: need(a, "reason") }),
);
export const entityRemoveAddress = v2action("GOVERNOR", (ctx, a) =>
  ent.removeAddress(ctx, { address: need(a, "address"), reason: need(a, "reason") }),
);
export const entityShow = v2action("ANYONE", (ctx, a) => ent.showEntity(ctx, { company: optional(a.company), address: optional(a.address) }));

export const relationRecord = v2action("GOVERNOR", (ctx, a) => rel.recordRelation(ctx, { ...pair(a), reason: need(a, "reason") }));
export const relationClear = v2action("GOVERNOR", (ctx, a) => rel.clearRelation(ctx, { ...pair(a), reason: need(a, "reason") }));
export const relationShow = v2action("ANYONE", (ctx, a) => rel.showRelation(ctx, pair(a)));

export const accreditationGrant = v2action("GOVERNOR", (ctx, a) =>
  acc.grantAccreditation(ctx, { ...accreditation(a), from: need(a, "from"), until: need(a, "until"), classes: need(a, "classes") }),
);
export const accreditationSuspend = v2action("GUARDIAN", (ctx, a) =>
  acc.suspendAccreditation(ctx, { ...accreditation(a), reason: need(a, "reason") }),
);
export const accreditationReinstate = v2action("GOVERNOR", (ctx, a) =>
  acc.reinstateAccreditation(ctx, { ...accreditation(a), reason: need(a, "reason") }),
);
export const accreditationShow = v2action("ANYONE", (ctx, a) => acc.showAccreditation(ctx, accreditation(a)));

export const programmeShow = v2action("ANYONE", (ctx, a) => prog.showProgramme(ctx, { programme: need(a, "programme") }));
export const programmeList = v2action("ANYONE", (ctx) => prog.listProgrammes(ctx));
export const programmePause = v2action("GUARDIAN", (ctx, a) =>
  prog.setProgrammePaused(ctx, { programme: need(a, "programme"), reason: need(a, "reason") }, true),
);
export const programmeResume = v2action("GOVERNOR", (ctx, a) =>
  prog.setProgrammePaused(ctx, { programme: need(a, "programme"), reason: need(a, "reason") }, false),
);

export const issuerBind = v2action("GOVERNOR", (ctx, a) => admin.bindIssuer(ctx, { issuer: need(a, "issuer"), programme: need(a, "programme") }, true));
export const issuerUnbind = v2action("GOVERNOR", (ctx, a) =>
  admin.bindIssuer(ctx, { issuer: need(a, "issuer"), programme: need(a, "programme") }, false),
);

/** GOVERNOR, GUARDIAN and FINANCE are ADMIN's to grant; ISSUER and AUDITOR the governor's. */
const granter = (a: TaskArguments) => (["GOVERNOR", "GUARDIAN", "FINANCE"].includes(String(a.role).trim().toUpperCase()) ? "ADMIN" : "GOVERNOR");
export const roleGrant = v2action(granter, (ctx, a) =>
  admin.grantRole(ctx, { role: need(a, "role"), account: need(a, "account"), delay: optional(a.delay) }),
);
export const roleRevoke = v2action(granter, (ctx, a) => admin.revokeRole(ctx, { role: need(a, "role"), account: need(a, "account") }));

export const ledgerPause = v2action("GUARDIAN", (ctx) => admin.setPaused(ctx, true));
export const ledgerUnpause = v2action("GOVERNOR", (ctx) => admin.setPaused(ctx, false));
export const ledgerStatus = v2action("ANYONE", (ctx) => admin.showStatus(ctx));

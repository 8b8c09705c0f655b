import { expect } from "chai";
import { network } from "hardhat";

import { deploySchemeFixture, issueVoucher, signedConsent, SHANGHAI, CNY } from "./helpers/fixture.js";

const { ethers, networkHelpers } = await network.create();
const scheme = () => deploySchemeFixture(ethers);

describe("smoke", function () {
  it("issues and redeems", async function () {
    const f = await networkHelpers.loadFixture(scheme);
    const id = await issueVoucher(f, "APP-1");
    const { consent, signature } = await signedConsent(f, id, 1000n * CNY, "INV-1");
    await f.ledger.connect(f.dataCenter).redeem(consent, signature);
    expect((await f.ledger.getCityCounters(SHANGHAI)).redeemed).to.equal(1000n * CNY);
  });
});

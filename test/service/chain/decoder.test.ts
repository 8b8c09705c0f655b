import { expect } from "chai";
import { type EventFragment, type Interface, type ParamType, getAddress, zeroPadValue } from "ethers";
import fc from "fast-check";

import { type Abis, createDecoder, loadAbis } from "../../../service/chain/abi.js";
import type { RawLog } from "../../../service/chain/rpc.js";
import { DecodeError } from "../../../service/internal/errors.js";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const MANAGER = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

/** A random value of a static or string ABI type, as ethers encodes it. */
function arbitraryOf(param: ParamType): fc.Arbitrary<unknown> {
  const type = param.type;
  if (type === "address") return fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(`0x${Buffer.from(b).toString("hex")}`));
  if (type === "bool") return fc.boolean();
  if (type === "string") return fc.string({ maxLength: 40 });
  if (type === "bytes") return fc.uint8Array({ maxLength: 40 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
  const uint = /^uint(\d+)$/.exec(type);
  if (uint !== null) return fc.bigInt({ min: 0n, max: (1n << BigInt(uint[1]!)) - 1n });
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes !== null) {
    const n = Number(bytes[1]);
    return fc.uint8Array({ minLength: n, maxLength: n }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
  }
  if (param.isArray()) return fc.array(arbitraryOf(param.arrayChildren), { maxLength: 4 });
  throw new Error(`no generator for ${type}`);
}

function logOf(iface: Interface, fragment: EventFragment, values: unknown[], address: string): RawLog {
  const { data, topics } = iface.encodeEventLog(fragment, values);
  return {
    address,
    topics,
    data,
    blockNumber: 7,
    blockHash: `0x${"ab".repeat(32)}`,
    logIndex: 0,
    transactionHash: `0x${"cd".repeat(32)}`,
    transactionIndex: 0,
    removed: false,
  };
}

describe("event decoder", function () {
  let abis: Abis;
  before(async function () {
    abis = await loadAbis();
  });

  it("decodes every event of both contracts exactly as ethers does", function () {
    const fast = createDecoder(abis, { ledger: LEDGER, accessManager: MANAGER });
    const reference = createDecoder(abis, { ledger: LEDGER, accessManager: MANAGER }, { fast: false });
    let events = 0;
    for (const [iface, address] of [[abis.ledger, LEDGER], [abis.accessManager, MANAGER]] as const) {
      iface.forEachEvent((fragment) => {
        events++;
        fc.assert(
          fc.property(fc.tuple(...fragment.inputs.map(arbitraryOf)), (values) => {
            const log = logOf(iface, fragment, values, address);
            expect(fast.decode(log)).to.deep.equal(reference.decode(log));
          }),
          { numRuns: 40 },
        );
      });
    }
    expect(events).to.be.greaterThan(30);
  });

  it("gives ethers' answer, or its error, for words a well-formed log never has", function () {
    const fast = createDecoder(abis, { ledger: LEDGER, accessManager: MANAGER });
    const reference = createDecoder(abis, { ledger: LEDGER, accessManager: MANAGER }, { fast: false });
    const fragment = abis.ledger.getEvent("VoucherRedeemed")!;
    const values = [1n, 310000n, getAddress(`0x${"11".repeat(20)}`), getAddress(`0x${"22".repeat(20)}`), `0x${"33".repeat(32)}`, 5n, 9n, 4n];
    const good = logOf(abis.ledger, fragment, values, LEDGER);
    const word = (i: number) => 2 + 64 * i;
    const variants: RawLog[] = [
      // a uint128 with bits above 128 (ethers masks them), an address with a dirty top, a short and a long data
      { ...good, data: `${good.data.slice(0, word(2))}${"f".repeat(32)}${good.data.slice(word(2) + 32)}` },
      { ...good, data: `0x${"ff".repeat(12)}${good.data.slice(2 + 24)}` },
      { ...good, data: good.data.slice(0, -64) },
      { ...good, data: `${good.data}${"00".repeat(32)}` },
      { ...good, topics: [...good.topics.slice(0, 3), zeroPadValue("0x01", 32).replace("0x00", "0x01")] },
      { ...good, topics: good.topics.map((t) => t.toUpperCase().replace("0X", "0x")), data: good.data.toUpperCase().replace("0X", "0x") },
    ];
    for (const log of variants) {
      let expected: unknown;
      try {
        expected = reference.decode(log);
      } catch (error) {
        expect(error).to.be.instanceOf(DecodeError);
        expect(() => fast.decode(log)).to.throw(DecodeError);
        continue;
      }
      expect(fast.decode(log)).to.deep.equal(expected);
    }
  });

  it("refuses a log of an unknown event or address", function () {
    const decoder = createDecoder(abis, { ledger: LEDGER, accessManager: MANAGER });
    const log = logOf(abis.ledger, abis.ledger.getEvent("Locked")!, [1n], LEDGER);
    expect(() => decoder.decode({ ...log, address: MANAGER })).to.throw(DecodeError, /unknown event/);
    expect(() => decoder.decode({ ...log, address: `0x${"99".repeat(20)}` })).to.throw(DecodeError, /unexpected address/);
  });
});

import { expect } from "chai";
import {
  AbiCoder,
  concat,
  getBytes,
  id,
  keccak256,
  recoverAddress,
  toUtf8Bytes,
  TypedDataEncoder,
  Wallet,
  ZeroHash,
} from "ethers";
import hre, { network } from "hardhat";
import { sm3 } from "sm-crypto-v2";

import {
  consentDigestSm3,
  hashTypedDataWith,
  keccakHash,
  ledgerDomain,
  signDigest,
  sm3Hash,
} from "../../service/client/sm3.js";
import { ATTESTATION_TYPES, type Consent, CONSENT_TYPES, LEDGER_DOMAIN } from "../../service/domain/consent.js";
import { deployScheme } from "../../scripts/lib/ledger-deploy.js";

const { ethers } = await network.create();
const coder = AbiCoder.defaultAbiCoder();
const sm3Of = (bytes: Uint8Array | string) => `0x${sm3(typeof bytes === "string" ? getBytes(bytes) : bytes)}`;

const FORWARD_REQUEST_TYPES = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
};

function consent(supplier: string): Consent {
  return {
    voucherId: (1n << 224n) | 0xabcdefn,
    supplier,
    invoiceNumberHash: id("invoice 044031900111-00012345"),
    amount: 30_000_00n,
    invoiceTotal: 100_000_00n,
    computeClass: 1,
    serviceFromDay: 20_400,
    serviceToDay: 20_430,
    gpuCentihours: 12_345n,
    contractDay: 20_390,
    evidence: {
      contractCommitment: id("contract"),
      invoiceCommitment: id("invoice"),
      paymentCommitment: id("payment"),
      electricityKwh: 4_200n,
      assessmentCommitment: ZeroHash,
    },
    unrelated: true,
    epoch: 3,
    deadline: 1_790_000_000n,
  };
}

describe("SM3 (national cryptography) digests in the client", function () {
  describe("sm-crypto-v2's SM3, on the vectors the package publishes in its own tests (test/sm3.test.ts)", function () {
    // GB/T 32905-2016, appendix A: examples 1 ("abc") and 2 ("abcd" sixteen times); then the package's own cases.
    const VECTORS: [string, string][] = [
      ["abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"],
      ["abcd".repeat(16), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"],
      ["abcdefghABCDEFGH12345678", "d670c7f027fd5f9f0c163f4bfe98f9003fe597d3f52dbab0885ec2ca8dd23e9b"],
      ["你好", "78e5c78c5322ca174089e58dc7790acf8ce9d542bee6ae4a5a0797d5e356be61"],
      ["今天天气真是不错", "fff6e05118c782f5a2cea8bc2efec8819d0dc6d7d09cb9aa5c4ef14e673fa043"],
    ];
    for (const [input, digest] of VECTORS) {
      it(`hashes ${JSON.stringify(input.length > 24 ? `${input.slice(0, 12)}…` : input)} to ${digest.slice(0, 16)}…`, function () {
        expect(sm3Hash(toUtf8Bytes(input))).to.equal(`0x${digest}`);
      });
    }
  });

  describe("EIP-712 with a hash of choice", function () {
    it("is ethers' TypedDataEncoder.hash, and the ledger's own consentDigest, with keccak256", async function () {
      const { ledger } = await deployScheme(ethers, { keepDeployerAsAdmin: true });
      const [, supplier] = await ethers.getSigners();
      const domain = ledgerDomain((await ethers.provider.getNetwork()).chainId, await ledger.getAddress());
      const value = consent(supplier!.address);
      const digest = hashTypedDataWith(keccakHash, domain, CONSENT_TYPES, value as never);
      expect(digest).to.equal(TypedDataEncoder.hash(domain, CONSENT_TYPES, value));
      expect(digest).to.equal(await ledger.consentDigest(value));
    });

    it("agrees with ethers for a type with bytes and strings, and for a domain with only some fields", function () {
      const request = { from: Wallet.createRandom().address, to: Wallet.createRandom().address, value: 0n, gas: 250_000n, nonce: 7n, deadline: 1_790_000_000n, data: "0x12345678abcdef" };
      const domain = { name: "VoucherLedgerForwarder", version: "1", chainId: 31337n, verifyingContract: request.to };
      expect(hashTypedDataWith(keccakHash, domain, FORWARD_REQUEST_TYPES, request)).to.equal(TypedDataEncoder.hash(domain, FORWARD_REQUEST_TYPES, request));
      const partial = { name: "名称", chainId: 5555n };
      const signed = attestation();
      expect(hashTypedDataWith(keccakHash, partial, ATTESTATION_TYPES, signed)).to.equal(TypedDataEncoder.hash(partial, ATTESTATION_TYPES, signed));
    });
  });

  describe("the consent digest of an SM-mode chain", function () {
    it("is SM3 of what the ledger hashes at run time, over the keccak256 type hashes, word for word as _hashConsent lays it out", function () {
      const verifyingContract = Wallet.createRandom().address;
      const supplier = Wallet.createRandom().address;
      const c = consent(supplier);
      const domain = ledgerDomain(5555n, verifyingContract);
      const enc = TypedDataEncoder.from(CONSENT_TYPES);
      const evidenceHash = sm3Of(
        coder.encode(
          ["bytes32", "bytes32", "bytes32", "bytes32", "uint64", "bytes32"],
          [id(enc.encodeType("Evidence")), c.evidence.contractCommitment, c.evidence.invoiceCommitment, c.evidence.paymentCommitment, c.evidence.electricityKwh, c.evidence.assessmentCommitment],
        ),
      );
      const structHash = sm3Of(
        coder.encode(
          ["bytes32", "uint256", "address", "bytes32", "uint64", "uint64", "uint8", "uint32", "uint32", "uint64", "uint32", "bytes32", "bool", "uint32", "uint64"],
          [id(enc.encodeType("Consent")), c.voucherId, c.supplier, c.invoiceNumberHash, c.amount, c.invoiceTotal, c.computeClass, c.serviceFromDay, c.serviceToDay, c.gpuCentihours, c.contractDay, evidenceHash, c.unrelated, c.epoch, c.deadline],
        ),
      );
      const domainSeparator = sm3Of(
        coder.encode(
          ["bytes32", "bytes32", "bytes32", "uint256", "address"],
          [id("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"), sm3Of(toUtf8Bytes(LEDGER_DOMAIN.name)), sm3Of(toUtf8Bytes(LEDGER_DOMAIN.version)), 5555n, verifyingContract],
        ),
      );
      const expected = sm3Of(getBytes(concat(["0x1901", domainSeparator, structHash])));

      const digest = consentDigestSm3(domain, c);
      expect(digest).to.equal(expected);
      expect(digest).to.not.equal(TypedDataEncoder.hash(domain, CONSENT_TYPES, c));
      // A holder signs it as it is, and ecrecover (secp256k1, kept on SM chains) finds the holder.
      const holder = Wallet.createRandom();
      expect(recoverAddress(digest, signDigest(holder.signingKey, digest))).to.equal(holder.address);
    });

    it("rests on type hashes the compiler computed: each is a constant in the deployed code, while the domain's name hash is not", async function () {
      const code = async (name: string) => (await hre.artifacts.readArtifact(name)).deployedBytecode.toLowerCase();
      const has = (bytecode: string, hash: string) => bytecode.includes(hash.slice(2));
      const enc = TypedDataEncoder.from(CONSENT_TYPES);
      const ledger = await code("VoucherLedger");
      expect(has(ledger, id(enc.encodeType("Consent")))).to.equal(true);
      expect(has(ledger, id(enc.encodeType("Evidence")))).to.equal(true);
      expect(has(ledger, id("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))).to.equal(true);
      expect(has(ledger, keccak256(toUtf8Bytes(LEDGER_DOMAIN.name)))).to.equal(false);
      const claims = await code("VoucherLedgerClaims");
      expect(has(claims, id(TypedDataEncoder.from(ATTESTATION_TYPES).encodeType("Attestation")))).to.equal(true);
      const forwarder = await code("ERC2771Forwarder");
      expect(has(forwarder, id(TypedDataEncoder.from(FORWARD_REQUEST_TYPES).encodeType("ForwardRequest")))).to.equal(true);
    });
  });
});

function attestation() {
  return {
    supplier: Wallet.createRandom().address,
    invoiceNumberHash: id("invoice"),
    invoiceTotal: 100n,
    computeClass: 2,
    serviceFromDay: 1,
    serviceToDay: 2,
    gpuCentihours: 3n,
    amountPaid: 100n,
    buyer: Wallet.createRandom().address,
  };
}

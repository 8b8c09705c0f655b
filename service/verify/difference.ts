/** One difference: what (entity and field), where (its key), which block (last event that touched it). */
export interface Difference {
  /**
   * What the chain's logs were compared with: the contract's own views, the mirror's database, or (ledger v2) the
   * identity registry's records, each of which must still open a hash on chain.
   */
  against: "contract" | "mirror" | "registry";
  entity: string;
  key: string;
  field: string;
  expected: string;
  actual: string;
  block: number | null;
}

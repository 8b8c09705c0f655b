/** One difference: what (entity and field), where (its key), which block (last event that touched it). */
export interface Difference {
  /** What the chain's logs were compared with: the contract's own views, or the mirror's database. */
  against: "contract" | "mirror";
  entity: string;
  key: string;
  field: string;
  expected: string;
  actual: string;
  block: number | null;
}

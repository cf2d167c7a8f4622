// The (entitlement, principal) pairs of a grant expansion, stored column-wise in growable typed
// arrays: a million grants expand to millions of pairs, and an object (or a tuple) per pair
// would cost several times the memory and time. Numbers here are interned ids (see Ids).

/** Interns strings to dense integers. */
export class Ids {
  readonly index = new Map<string, number>();
  readonly keys: string[] = [];
  of(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(key, i);
      this.keys.push(key);
    }
    return i;
  }
}

const NONE: number[] = [];
const ROW = 1; // a grant row of the file
const DIRECT = 2; // held directly: what a shallow edge passes on

export class Pairs {
  length = 0;
  private ent = new Int32Array(1024);
  private principal = new Int32Array(1024);
  private flags = new Uint8Array(1024);
  /** The first entitlement a pair was derived through (-1: none); most pairs have at most one. */
  private origin = new Int32Array(1024);
  private moreOrigins = new Map<number, number[]>();
  /** Per entitlement: principal → pair. One map per entitlement keeps each under V8's Map size limit. */
  private holders: Map<number, number>[] = [];

  entOf = (pair: number) => this.ent[pair];
  principalOf = (pair: number) => this.principal[pair];
  isRow = (pair: number) => (this.flags[pair] & ROW) !== 0;
  isDirect = (pair: number) => (this.flags[pair] & DIRECT) !== 0;

  find(ent: number, principal: number): number {
    return this.holders[ent]?.get(principal) ?? -1;
  }

  add(ent: number, principal: number): number {
    if (this.length === this.ent.length) this.grow();
    const pair = this.length++;
    this.ent[pair] = ent;
    this.principal[pair] = principal;
    this.origin[pair] = -1;
    this.holders[ent] ??= new Map();
    this.holders[ent].set(principal, pair);
    return pair;
  }

  markRow(pair: number, direct: boolean): void {
    this.flags[pair] |= ROW | (direct ? DIRECT : 0);
  }

  addOrigin(pair: number, from: number): void {
    const first = this.origin[pair];
    if (first === -1) this.origin[pair] = from;
    else if (first !== from) {
      const more = this.moreOrigins.get(pair);
      if (!more) this.moreOrigins.set(pair, [from]);
      else if (!more.includes(from)) more.push(from);
    }
  }

  origins(pair: number): number[] {
    const first = this.origin[pair];
    if (first === -1) return NONE;
    const more = this.moreOrigins.get(pair);
    return more ? [first, ...more] : [first];
  }

  private grow(): void {
    const size = this.ent.length * 2;
    const widen = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.ent = widen(this.ent, (n) => new Int32Array(n));
    this.principal = widen(this.principal, (n) => new Int32Array(n));
    this.flags = widen(this.flags, (n) => new Uint8Array(n));
    this.origin = widen(this.origin, (n) => new Int32Array(n));
  }
}

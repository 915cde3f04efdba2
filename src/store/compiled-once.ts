import { CompiledQuery, type Compilable } from 'kysely';
import { boundedMemo } from '../core/bounded-memo.js';

/** Where a parameter of the compiled statement comes from: the caller's nth value, or a constant. */
type Slot = { readonly index: number } | { readonly value: unknown };

/** Stands for the caller's nth value while a statement is compiled. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** The caller's nth value, in a statement compiled once (typed as the column it is compared with). */
export type Param = <T>(index: number) => T;

const placeholder: Param = <T>(index: number) => new Placeholder(index) as T;

/** Shapes kept at most; past it they are forgotten at once, and compiled again as they come. */
const MAX_SHAPES = 1_000;

/**
 * Statements built and compiled once, then run with new values: building a Kysely query and
 * compiling it cost more than SQLite's execution of a statement read by primary key (a tenth of
 * the server's CPU under `bench:capacity`). For the statements every request runs; a statement
 * whose text depends on its values (a list of n items, a set of changed columns) keeps its shape
 * in the key.
 *
 * The statement is built with placeholders in place of the values: the compiled parameters that
 * are placeholders are filled from the values given, the others (constants written in the
 * builder) kept. The text depends only on the dialect, so one compilation serves every database
 * and transaction of that dialect.
 */
export class CompiledOnce {
  readonly #compile = boundedMemo(MAX_SHAPES, (_key: string, build: (param: Param) => Compilable<unknown>) => {
    const { sql, parameters } = build(placeholder).compile();
    const slots = parameters.map((parameter): Slot =>
      parameter instanceof Placeholder ? { index: parameter.index } : { value: parameter },
    );
    return { sql, slots };
  });

  /** The statement of shape `key` with `values`, built by `build` the first time the key is seen. */
  query<R>(key: string, values: readonly unknown[], build: (param: Param) => Compilable<R>): CompiledQuery<R> {
    const { sql, slots } = this.#compile(key, build);
    const parameters = slots.map((slot) => ('index' in slot ? values[slot.index] : slot.value));
    return CompiledQuery.raw(sql, parameters) as CompiledQuery<R>;
  }
}

/**
 * JSON that only our own code writes (a D1 column, a Durable Object's meta
 * value). Its type is declared once, and the writer and the reader both go
 * through it: the reader's cast is made here, against the type the writer was
 * held to. Outside input is parsed with zod instead.
 */
export class StoredJson<T> {
  /** Takes the value as its writer may hold it: readonly all the way down writes the same JSON. */
  stringify(value: ReadonlyDeep<T>): string {
    return JSON.stringify(value);
  }

  parse(text: string): T {
    return JSON.parse(text) as T;
  }
}

export type ReadonlyDeep<T> = T extends readonly (infer U)[] ? readonly ReadonlyDeep<U>[] : T extends object ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> } : T;

type DeepStrings<T> = { readonly [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

/** A translation of an English string tree: the same keys, any strings (checked by the compiler). */
export type Translation<T> = DeepStrings<T>;

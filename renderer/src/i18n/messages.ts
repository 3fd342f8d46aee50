import type { FEATURES } from '../app/features';
import type { en } from './en';
import type { Translation } from './translation';

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every feature's English strings as one type (features add to shared namespaces such as "actions"). */
type FeatureStrings = UnionToIntersection<(typeof FEATURES)[number]['strings']['en']>;

/** The shape of the whole translation: the shell's strings and every feature's. */
export type Messages = Translation<typeof en & FeatureStrings>;

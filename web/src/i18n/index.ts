/** The strings in use. One language today (ru); another would be chosen here. */
import { ru } from "./ru.ts";

export type { Strings } from "./ru.ts";
export const t = ru;

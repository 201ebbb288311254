import { valueAt } from "../paths/field-path";
import { DEFAULT_POINTS } from "./points";

/** A namespace's scoring rule: an event (canonical name) is worth `points`, when every condition holds. */
export interface ScoringRule {
  id: string;
  event: string;
  points: number;
  conditions: Condition[];
  /** The most points this rule may give one lead in all. */
  cap: number | null;
}

export const CONDITION_OPS = ["equals", "not_equals", "starts_with", "ends_with", "contains", "gt", "gte", "lt", "lte", "exists"] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** `property` is a dot path into the stored message, e.g. `properties.path` or `context.page.url`. */
export interface Condition {
  property: string;
  op: ConditionOp;
  value?: string | number | boolean;
}

/** Which rule an event matched (null: the default table) and the points it is worth before caps. */
export interface RuleMatch {
  ruleId: string | null;
  points: number;
}

export function conditionHolds(message: unknown, condition: Condition): boolean {
  const actual = valueAt(message, condition.property);
  const expected = condition.value;
  switch (condition.op) {
    case "exists":
      return actual !== undefined && actual !== null;
    case "equals":
      return String(actual) === String(expected);
    case "not_equals":
      return String(actual) !== String(expected);
    case "starts_with":
      return typeof actual === "string" && actual.startsWith(String(expected));
    case "ends_with":
      return typeof actual === "string" && actual.endsWith(String(expected));
    case "contains":
      return typeof actual === "string" && actual.includes(String(expected));
    case "gt":
      return Number(actual) > Number(expected);
    case "gte":
      return Number(actual) >= Number(expected);
    case "lt":
      return Number(actual) < Number(expected);
    case "lte":
      return Number(actual) <= Number(expected);
  }
}

/**
 * The namespace's rules for this event name are tried most specific first
 * (more conditions first, then the order given); the first whose conditions
 * all hold decides. With no match, the default table applies.
 */
export function matchRule(eventName: string, message: unknown, rules: readonly ScoringRule[]): RuleMatch {
  const candidates = rules
    .map((rule, order) => ({ rule, order }))
    .filter(({ rule }) => rule.event === eventName)
    .sort((a, b) => b.rule.conditions.length - a.rule.conditions.length || a.order - b.order);
  for (const { rule } of candidates) {
    if (rule.conditions.every((c) => conditionHolds(message, c))) return { ruleId: rule.id, points: rule.points };
  }
  return { ruleId: null, points: DEFAULT_POINTS[eventName] ?? 0 };
}

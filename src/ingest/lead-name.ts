/**
 * The name of an identity's home lead object. A lead keeps the name of the
 * identity that first reached it for its whole life; merges leave forward
 * pointers under the other names.
 */
export function leadObjectName(namespaceId: string, kind: string, value: string): string {
  return `${namespaceId}/${kind}/${value}`;
}

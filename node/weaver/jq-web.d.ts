/** jq-web ships no types: the module is a promise of the loaded jq (its README's API). */
declare module 'jq-web' {
  export interface Jq {
    /** jq's raw output; throws with jq's message on a compile or runtime error */
    raw(json: string, filter: string, flags?: string[]): string;
    json(input: unknown, filter: string): unknown;
  }
  const jq: Promise<Jq>;
  export default jq;
}

// TEMPORARY STUB by the lead so the project compiles; the WebSub helper replaces this whole file.
export interface PingOutcome { readonly feedUrl: string; readonly ok: boolean; readonly attempts: number; readonly status?: number; readonly error?: string }
export interface PingOptions { readonly hub: string; readonly feedUrls: readonly string[]; readonly baseDelayMs?: number; readonly signal?: AbortSignal }
export async function pingHub(options: PingOptions): Promise<PingOutcome[]> { return options.feedUrls.map((feedUrl) => ({ feedUrl, ok: false, attempts: 0 })); }
export function formatPingOutcome(o: PingOutcome): string { return `${o.feedUrl} ${o.ok}`; }

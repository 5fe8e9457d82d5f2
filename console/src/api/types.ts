export interface ApiTransport {
  /** JSON request to the API (path like '/v1/uploads'); resolves to the parsed JSON body; rejects with ApiError on non-2xx. */
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
}
export class ApiError extends Error { constructor(readonly status: number, readonly code: string, message: string) { super(message); } }

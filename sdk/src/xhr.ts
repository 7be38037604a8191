/** How far an upload has got, in bytes. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/** The little of XMLHttpRequest this uses: browsers have it; Node has not. */
interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getAllResponseHeaders(): string;
  send(body: unknown): void;
  withCredentials: boolean;
  responseType: string;
  response: unknown;
  status: number;
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

const Xhr = (globalThis as { XMLHttpRequest?: new () => XhrLike }).XMLHttpRequest;

/** Whether requests can report upload progress here (a browser). */
export const canReportProgress = Xhr !== undefined;

/**
 * Sends a request as fetch would, but through XMLHttpRequest, the one browser API that reports how
 * much of a body has gone: `onProgress` is called as the bytes leave.
 */
export async function sendWithProgress(request: Request, onProgress: (progress: UploadProgress) => void): Promise<Response> {
  if (!Xhr) throw new Error('XMLHttpRequest is not available here');
  const body = await request.blob();
  return new Promise<Response>((resolve, reject) => {
    const xhr = new Xhr();
    xhr.open(request.method, request.url);
    request.headers.forEach((value, name) => xhr.setRequestHeader(name, value));
    xhr.withCredentials = request.credentials === 'include';
    xhr.responseType = 'blob';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ loaded: event.loaded, total: event.total });
    };
    xhr.onload = () => resolve(new Response(xhr.response as Blob, { status: xhr.status, headers: headersOf(xhr.getAllResponseHeaders()) }));
    xhr.onerror = () => reject(new TypeError('Network request failed'));
    xhr.onabort = () => reject(new TypeError('Network request aborted'));
    xhr.send(body);
  });
}

function headersOf(raw: string): Headers {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}

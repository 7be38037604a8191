/**
 * Downloads a profile picture, refusing anything past `maxBytes` or `timeoutMs`; redirects are not
 * followed (a picture URL leads to the picture). What the bytes are is for the avatar pipeline to judge.
 */
export async function fetchPicture(url: string, options: { timeoutMs: number; maxBytes: number }): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const response = await fetch(url, { redirect: 'error', signal, headers: { accept: 'image/*' } });
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    throw new Error(`the picture answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > options.maxBytes) {
    await response.body.cancel();
    throw new Error(`the picture is ${declared} bytes, over ${options.maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop cancels the download.
    if (size > options.maxBytes) throw new Error(`the picture is over ${options.maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

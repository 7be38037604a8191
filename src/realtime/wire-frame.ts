/**
 * A complete WebSocket text frame (RFC 6455 §5.2) as it goes on the wire from a server: FIN and
 * the text opcode, the payload length, no mask (servers never mask), then the payload. Built once
 * per event and written as is to every recipient's connection, where `ws` would build a header
 * and issue a two-part write per recipient.
 */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length <= 0xffff ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** A JSON value as a complete text frame. */
export function jsonFrame(value: unknown): Buffer {
  return textFrame(Buffer.from(JSON.stringify(value)));
}

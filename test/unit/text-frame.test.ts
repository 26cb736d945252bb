import * as wsModule from 'ws';
import { describe, expect, it } from 'vitest';
import { textFrame } from '../../api/live-hub.js';

/** Decodes frames with ws's own Receiver (the client side of the protocol). */
function decode(frame: Buffer): Promise<{ data: string; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    // ws exports its Receiver at runtime; @types/ws does not declare it
    const Receiver = (wsModule as unknown as { Receiver: new (o: object) => NodeJS.WritableStream & NodeJS.EventEmitter }).Receiver;
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ data: data.toString(), isBinary }));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('pre-built text frames (RFC 6455 §5.2)', () => {
  it.each([0, 125, 126, 65_535, 65_536, 70_000])('a %d-byte payload decodes as one text message', async (n) => {
    const payload = 'x'.repeat(n);
    expect(await decode(textFrame(Buffer.from(payload)))).toEqual({ data: payload, isBinary: false });
  });
});

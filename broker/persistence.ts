/**
 * aedes' in-memory persistence with an indexed outgoing queue.
 *
 * aedes-persistence 11 keeps each persistent session's in-flight QoS 1 packets in an array and
 * removes an acknowledged one with a scan and `Array.splice`: O(backlog) per PUBACK. When a
 * persistent subscriber (ingest, `clean: false`) falls behind, the broker goes quadratic — in the
 * ingest benchmark `outgoingClearMessageId` was 13–16 % of the broker's CPU. Here the queue is an
 * append-only array with lazy deletion plus maps by message id and by broker counter, so
 * enqueue, update and acknowledge are O(1) and the order of redelivery is kept.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new (opts?: object) => object;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => object, opts?: object) => object;
};
const { Packet } = require('aedes-persistence') as { Packet: new (p: object) => OutgoingPacket };

interface OutgoingPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}

interface Entry {
  packet: OutgoingPacket;
  removed: boolean;
}

/** One client's in-flight and queued packets, in delivery order. */
export class OutgoingQueue {
  private items: Entry[] = [];
  private head = 0;
  private byMessageId = new Map<number, Entry>();
  private byCounter = new Map<string, Entry>();

  private static counterKey(p: OutgoingPacket) {
    return `${p.brokerId}\u0000${p.brokerCounter}`;
  }

  get size() {
    return this.byCounter.size;
  }

  push(packet: OutgoingPacket) {
    const entry: Entry = { packet, removed: false };
    this.items.push(entry);
    this.byCounter.set(OutgoingQueue.counterKey(packet), entry);
    if (packet.messageId !== undefined) this.byMessageId.set(packet.messageId, entry);
  }

  /** The packet was sent with a message id (same broker packet), or replaces one with that id. */
  update(packet: OutgoingPacket) {
    const same = this.byCounter.get(OutgoingQueue.counterKey(packet));
    if (same) {
      if (same.packet.messageId !== undefined) this.byMessageId.delete(same.packet.messageId);
      same.packet.messageId = packet.messageId;
      if (packet.messageId !== undefined) this.byMessageId.set(packet.messageId, same);
      return;
    }
    const byId = packet.messageId === undefined ? undefined : this.byMessageId.get(packet.messageId);
    if (byId && byId.packet.brokerId !== packet.brokerId) {
      this.byCounter.delete(OutgoingQueue.counterKey(byId.packet));
      byId.packet = packet;
      this.byCounter.set(OutgoingQueue.counterKey(packet), byId);
      return;
    }
    throw new Error('no such packet');
  }

  /** Removes the packet with this message id (acknowledged); returns it. */
  clear(messageId: number | undefined): OutgoingPacket | undefined {
    if (messageId === undefined) return undefined;
    const entry = this.byMessageId.get(messageId);
    if (!entry) return undefined;
    entry.removed = true;
    this.byMessageId.delete(messageId);
    this.byCounter.delete(OutgoingQueue.counterKey(entry.packet));
    while (this.head < this.items.length && this.items[this.head]!.removed) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head).filter((e) => !e.removed);
      this.head = 0;
    }
    return entry.packet;
  }

  /** A snapshot, in order, of what is still queued. */
  packets(): OutgoingPacket[] {
    const out: OutgoingPacket[] = [];
    for (let i = this.head; i < this.items.length; i++) if (!this.items[i]!.removed) out.push(this.items[i]!.packet);
    return out;
  }
}

class IndexedOutgoingPersistence extends (MemoryPersistence as new (opts?: object) => object) {
  #queues = new Map<string, OutgoingQueue>();

  #queue(clientId: string) {
    let q = this.#queues.get(clientId);
    if (!q) this.#queues.set(clientId, (q = new OutgoingQueue()));
    return q;
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: object) {
    this.#queue(sub.clientId).push(new Packet(packet));
  }

  async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: object) {
    for (const sub of subs) this.#queue(sub.clientId).push(new Packet(packet));
  }

  async outgoingUpdate(client: { id: string }, packet: OutgoingPacket) {
    this.#queue(client.id).update(packet);
  }

  async outgoingClearMessageId(client: { id: string }, packet: OutgoingPacket) {
    return this.#queues.get(client.id)?.clear(packet.messageId);
  }

  outgoingStream(client: { id: string }) {
    return this.#queues.get(client.id)?.packets() ?? [];
  }
}

/** A persistence for `Aedes.createBroker({ persistence })`. */
export function createPersistence(): unknown {
  return new CallBackPersistence((opts) => new IndexedOutgoingPersistence(opts));
}
